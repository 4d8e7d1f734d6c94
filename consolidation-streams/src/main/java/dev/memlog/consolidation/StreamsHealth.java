package dev.memlog.consolidation;

import dev.memlog.common.http.Health.Check;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What the probes of consolidation-streams say. Dead: the Streams client is in error, or stream threads keep dying
 * (more than a bound replaced within a window), or a stream thread has not polled for longer than Kafka lets a member
 * stay silent (stuck in a punctuation or a call). Ready: running (a rebalance included) once it has first run, and
 * no further behind its input than an operator's bound, when one is set. Started: it has reached running once, its
 * state restored.
 */
final class StreamsHealth {
    private final Supplier<KafkaStreams.State> state;
    private final Supplier<Map<MetricName, ? extends Metric>> metrics;
    private final int maxReplacements;
    private final Duration window;
    private final long readyMaxLag;
    private final Deque<Long> replacements = new ArrayDeque<>();
    private volatile boolean started;
    private volatile boolean closing;

    /** @param readyMaxLag READY_MAX_LAG: input records behind past which it is not ready; negative for no bound */
    StreamsHealth(KafkaStreams streams, int maxReplacements, Duration window, long readyMaxLag) {
        this(streams::state, streams::metrics, maxReplacements, window, readyMaxLag);
    }

    /** @param state and {@code metrics} read from the Kafka Streams client (or a test's stand-in for them) */
    StreamsHealth(Supplier<KafkaStreams.State> state, Supplier<Map<MetricName, ? extends Metric>> metrics, int maxReplacements,
                  Duration window, long readyMaxLag) {
        this.state = state;
        this.metrics = metrics;
        this.maxReplacements = maxReplacements;
        this.window = window;
        this.readyMaxLag = readyMaxLag;
    }

    void transition(KafkaStreams.State newState, KafkaStreams.State oldState) {
        if (newState == KafkaStreams.State.RUNNING) {
            started = true;
        }
    }

    synchronized void threadReplaced() {
        replacements.addLast(System.currentTimeMillis());
    }

    void closing() {
        closing = true;
    }

    boolean started() {
        return started;
    }

    private synchronized int recentReplacements() {
        long since = System.currentTimeMillis() - window.toMillis();
        while (!replacements.isEmpty() && replacements.peekFirst() < since) {
            replacements.removeFirst();
        }
        return replacements.size();
    }

    Check liveness() {
        KafkaStreams.State state = this.state.get();
        if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR) {
            return Check.down("Kafka Streams is in state " + state);
        }
        if ((state == KafkaStreams.State.NOT_RUNNING || state == KafkaStreams.State.PENDING_SHUTDOWN) && !closing) {
            return Check.down("Kafka Streams stopped (" + state + ") without being asked to");
        }
        int replaced = recentReplacements();
        if (replaced > maxReplacements) {
            return Check.down(replaced + " stream threads replaced in the last " + window.toMinutes()
                    + " minutes: they keep failing (MAX_STREAM_THREAD_REPLACEMENTS " + maxReplacements + ")");
        }
        double silent = longestSilence();
        double allowed = maxPollIntervalSeconds();
        if (started && silent > allowed) {
            return Check.down("a stream thread has not polled for " + Math.round(silent) + " s (allowed " + Math.round(allowed) + " s)");
        }
        return Check.up(state + ", " + replaced + " thread replacements in " + window.toMinutes() + " min");
    }

    Check readiness() {
        KafkaStreams.State state = this.state.get();
        boolean ready = started && (state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING);
        long lag = lag();
        String detail = state + ", lag " + lag + " records";
        if (ready && readyMaxLag >= 0 && lag > readyMaxLag) {
            return Check.down(detail + " (READY_MAX_LAG " + readyMaxLag + ")");
        }
        return ready ? Check.up(detail) : Check.down(detail);
    }

    /** The longest time any stream thread's main consumer has gone without polling, in seconds. */
    private double longestSilence() {
        double longest = 0;
        for (Map.Entry<MetricName, ? extends Metric> m : metrics.get().entrySet()) {
            MetricName name = m.getKey();
            if (name.name().equals("last-poll-seconds-ago") && name.group().equals("consumer-metrics")
                    && name.tags().getOrDefault("client-id", "").endsWith("-consumer")
                    && !name.tags().getOrDefault("client-id", "").endsWith("restore-consumer")) {
                Object value = m.getValue().metricValue();
                if (value instanceof Number n && n.doubleValue() > longest) {
                    longest = n.doubleValue();
                }
            }
        }
        return longest;
    }

    /** Records in the input topics not yet processed by this instance's tasks. */
    long lag() {
        long total = 0;
        for (Map.Entry<MetricName, ? extends Metric> m : metrics.get().entrySet()) {
            MetricName name = m.getKey();
            if (name.name().equals("records-lag") && name.group().equals("consumer-fetch-manager-metrics")
                    && name.tags().containsKey("partition")
                    && !name.tags().getOrDefault("client-id", "").endsWith("restore-consumer")) {
                Object value = m.getValue().metricValue();
                if (value instanceof Number n && !Double.isNaN(n.doubleValue())) {
                    total += (long) n.doubleValue();
                }
            }
        }
        return total;
    }

    private static double maxPollIntervalSeconds() {
        return 300; // max.poll.interval.ms, Kafka's default, which consolidation keeps
    }
}
