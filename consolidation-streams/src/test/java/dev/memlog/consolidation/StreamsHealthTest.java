package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** Consolidation's probes tell the truth: dead when it cannot recover by itself, not ready while it cannot work. */
class StreamsHealthTest {
    final AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.CREATED);
    final Map<MetricName, Metric> metrics = new HashMap<>();
    final StreamsHealth health = new StreamsHealth(state::get, () -> metrics, 5, Duration.ofMinutes(10), -1);

    void metric(String name, String group, String clientId, double value) {
        MetricName metricName = new MetricName(name, group, "", Map.of("client-id", clientId));
        metrics.put(metricName, new Metric() {
            public MetricName metricName() {
                return metricName;
            }

            public Object metricValue() {
                return value;
            }
        });
    }

    void running() {
        state.set(KafkaStreams.State.RUNNING);
        health.transition(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
    }

    @Test
    void notStartedNorReadyUntilItHasRunOnce() {
        state.set(KafkaStreams.State.REBALANCING);
        assertThat(health.started()).isFalse();
        assertThat(health.readiness().up()).isFalse();
        assertThat(health.liveness().up()).isTrue();
        running();
        assertThat(health.started()).isTrue();
        assertThat(health.readiness().up()).isTrue();
    }

    @Test
    void threadsThatKeepDyingMakeItDead() {
        running();
        for (int i = 0; i < 5; i++) {
            health.threadReplaced();
        }
        assertThat(health.liveness().up()).as("five replacements are within the bound").isTrue();
        health.threadReplaced();
        assertThat(health.liveness().up()).isFalse();
        assertThat(health.liveness().detail()).contains("6 stream threads replaced");
    }

    @Test
    void anErrorStateOrAStopNobodyAskedForIsDead() {
        running();
        state.set(KafkaStreams.State.ERROR);
        assertThat(health.liveness().up()).isFalse();
        state.set(KafkaStreams.State.NOT_RUNNING);
        assertThat(health.liveness().up()).isFalse();
        health.closing();
        assertThat(health.liveness().up()).as("stopping on purpose").isTrue();
    }

    @Test
    void aStreamThreadThatStoppedPollingIsDeadAndLagIsReported() {
        running();
        metric("last-poll-seconds-ago", "consumer-metrics", "app-1-StreamThread-1-consumer", 12);
        metric("last-poll-seconds-ago", "consumer-metrics", "app-1-StreamThread-1-restore-consumer", 9999);
        metric("records-lag", "consumer-fetch-manager-metrics", "app-1-StreamThread-1-consumer", 0);
        assertThat(health.liveness().up()).as("a restore consumer polls only while restoring").isTrue();
        metric("last-poll-seconds-ago", "consumer-metrics", "app-1-StreamThread-2-consumer", 301);
        assertThat(health.liveness().up()).isFalse();
        assertThat(health.liveness().detail()).contains("has not polled for 301 s");
    }

    @Test
    void readinessGoesDownPastTheOperatorsLagBoundAndOnlyThen() {
        var bounded = new StreamsHealth(state::get, () -> metrics, 5, Duration.ofMinutes(10), 100);
        state.set(KafkaStreams.State.RUNNING);
        bounded.transition(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
        running();
        partitionLag("app-1-StreamThread-1-consumer", 0, 60);
        partitionLag("app-1-StreamThread-2-consumer", 1, 40);
        assertThat(bounded.lag()).isEqualTo(100);
        assertThat(bounded.readiness().up()).as("at the bound").isTrue();
        partitionLag("app-1-StreamThread-2-consumer", 1, 41);
        assertThat(bounded.readiness().up()).isFalse();
        assertThat(bounded.readiness().detail()).contains("lag 101 records", "READY_MAX_LAG 100");
        assertThat(health.readiness().up()).as("no bound: a backlog is what Kafka absorbs").isTrue();
    }

    void partitionLag(String clientId, int partition, double value) {
        MetricName metricName = new MetricName("records-lag", "consumer-fetch-manager-metrics", "",
                Map.of("client-id", clientId, "topic", "memory.events", "partition", Integer.toString(partition)));
        metrics.put(metricName, new Metric() {
            public MetricName metricName() {
                return metricName;
            }

            public Object metricValue() {
                return value;
            }
        });
    }
}
