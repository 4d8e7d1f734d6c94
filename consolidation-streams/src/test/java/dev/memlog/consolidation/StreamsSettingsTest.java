package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.config.Env;
import dev.memlog.common.http.Metrics;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** What Kafka Streams is told: durability from configuration, dead letters, and the operator's own settings. */
class StreamsSettingsTest {

    static java.util.Properties props(Map<String, String> env) {
        var withToken = new Env(env).with(Map.of("SERVICE_TOKEN", dev.memlog.testkit.TestCredentials.SERVICE_TOKEN));
        return ConsolidationService.streamsConfig(ConsolidationService.Config.from(withToken), Metrics.registry("test"));
    }

    @Test
    void replicationStandbysAndInSyncReplicasComeFromConfiguration() {
        var defaults = props(Map.of());
        assertThat(defaults.get(StreamsConfig.REPLICATION_FACTOR_CONFIG)).isEqualTo(3);
        assertThat(defaults.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(1);
        assertThat(defaults.get(StreamsConfig.topicPrefix("min.insync.replicas"))).isEqualTo("2");
        assertThat(defaults.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);

        var local = props(Map.of("TOPIC_REPLICATION_FACTOR", "1", "STREAMS_STANDBY_REPLICAS", "0"));
        assertThat(local.get(StreamsConfig.REPLICATION_FACTOR_CONFIG)).isEqualTo(1);
        assertThat(local.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(0);
        assertThat(local.get(StreamsConfig.topicPrefix("min.insync.replicas"))).isEqualTo("1");
    }

    @Test
    void whatCannotBeReadProcessedOrWrittenGoesToTheDeadLetterTopic() {
        var p = props(Map.of());
        assertThat(p.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG)).isEqualTo("memory.consolidation.dlq");
        assertThat(p.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG)).isEqualTo(DeadLetterHandler.class);
        assertThat(p.get(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG)).isEqualTo(DeadLetterHandler.class);
        assertThat(p.get(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG)).isEqualTo(DeadLetterHandler.class);
    }

    @Test
    void aTransactionIsShortUnlessAnLlmIsCalledInsideIt() {
        assertThat(props(Map.of()).get(StreamsConfig.producerPrefix("transaction.timeout.ms"))).isEqualTo(10_000);
        assertThat(props(Map.of("SUMMARIZER", "llm", "LLM_BASE_URL", "http://127.0.0.1:1/v1"))
                .get(StreamsConfig.producerPrefix("transaction.timeout.ms"))).isEqualTo(60_000);
    }

    @Test
    void anyKafkaSettingPassesThroughByPrefix() {
        var p = props(Map.of("KAFKA_STREAMS_SESSION_TIMEOUT_MS", "8000", "KAFKA_STREAMS_SECURITY_PROTOCOL", "SSL"));
        assertThat(p).containsEntry("session.timeout.ms", "8000").containsEntry("security.protocol", "SSL");
    }

    @Test
    void kafkaClientSettingsReachTheStreamsAppAndKafkaStreamsSettingsGoOnTop() {
        var p = props(Map.of("KAFKA_BOOTSTRAP_SERVERS", "b1.example:9093", "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512", "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka/trust.p12",
                "KAFKA_APPLICATION_ID", "not-a-client-setting", "KAFKA_PORT", "9092", "KAFKA_HEAP_OPTS", "-Xmx1g"));
        assertThat(p).containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "b1.example:9093")
                .containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.location", "/etc/kafka/trust.p12")
                .containsEntry(StreamsConfig.APPLICATION_ID_CONFIG, "memlog-consolidation")
                .doesNotContainKeys("port", "heap.opts");

        var streamsOwn = props(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_STREAMS_SECURITY_PROTOCOL", "SSL"));
        assertThat(streamsOwn).containsEntry("security.protocol", "SSL");
    }

    @Test
    void aStreamThreadWaitsLittleForInputBetweenRoundsUnlessAnOperatorSaysOtherwise() {
        assertThat(props(Map.of())).containsEntry(StreamsConfig.POLL_MS_CONFIG, 10L)
                .containsEntry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        assertThat(props(Map.of("KAFKA_STREAMS_POLL_MS", "100"))).containsEntry(StreamsConfig.POLL_MS_CONFIG, "100");
    }

    @Test
    void aNamedDerivationIsItsOwnApplicationAndWritesItsOwnTopics() {
        assertThat(props(Map.of()).get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("memlog-consolidation");
        assertThat(props(Map.of("DERIVATION", "minilm")).get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("memlog-consolidation-minilm");
        assertThat(props(Map.of("DERIVATION", "minilm", "STREAMS_APPLICATION_ID", "mine")).get(StreamsConfig.APPLICATION_ID_CONFIG))
                .isEqualTo("mine");

        // the topology is only described here, never run: no vector is asked for
        dev.memlog.common.embedding.EmbeddingProvider unused = new dev.memlog.common.embedding.EmbeddingProvider() {
            public String modelId() { return "unused"; }
            public int dimension() { return 3; }
            public java.util.List<float[]> embedDocuments(java.util.List<String> texts) { throw new UnsupportedOperationException(); }
            public float[] embedQuery(String query) { throw new UnsupportedOperationException(); }
        };
        var clock = java.time.Clock.systemUTC();
        var parts = ConsolidationService.Parts.turns(new EpisodeRecorder(unused, new SignalImportanceScorer(), clock), false)
                .withLifecycle(Lifecycle.defaults(clock));
        String green = ConsolidationService.topology(TopologyHarness.sealedFormat(), parts,
                dev.memlog.schemas.Derivation.of("minilm")).describe().toString();
        assertThat(green).contains("topic: memory.records.minilm", "topic: memory.strength.minilm")
                .doesNotContain("topic: memory.records)", "topic: memory.strength)");
        String first = ConsolidationService.topology(TopologyHarness.sealedFormat(), parts).describe().toString();
        assertThat(first).contains("topic: memory.records").doesNotContain("memory.records.minilm");
    }

    @Test
    void oneStreamThreadPerCoreUnlessSaidOtherwise() {
        assertThat(props(Map.of()).get(StreamsConfig.NUM_STREAM_THREADS_CONFIG)).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(props(Map.of("STREAMS_THREADS", "1")).get(StreamsConfig.NUM_STREAM_THREADS_CONFIG)).isEqualTo(1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> props(Map.of("STREAMS_THREADS", "0")))
                .hasMessageContaining("STREAMS_THREADS");
    }
}
