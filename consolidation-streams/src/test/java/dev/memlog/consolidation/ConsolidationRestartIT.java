package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.memlog.common.config.Env;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.registry.Compatibility;
import dev.memlog.registry.SchemaRegistryServer;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.testkit.KafkaBroker;
import dev.memlog.testkit.TestCredentials;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * exactly_once_v2 on a real broker: consolidation is stopped mid-stream and started again on an empty state
 * directory (its stores restored from their changelogs), and the committed output holds every derived record once.
 */
class ConsolidationRestartIT {
    static final Instant T0 = Instant.parse("2023-05-08T10:00:00Z");
    /** A history loaded today: the platform received every turn now, years after they were said. */
    static final Instant RECEIVED = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    static final int SESSIONS = 3;
    static final int TURNS = 30;
    /** Leeds stated, Leeds reinforced, Leeds closed, York opened. */
    static final int FACT_VERSIONS = 4;

    @TempDir
    static Path dir;
    static KafkaBroker kafka;
    static SchemaRegistryServer registry;
    static EmbeddingProvider model;

    @BeforeAll
    static void start() {
        kafka = KafkaBroker.start(dir.resolve("kafka"));
        registry = new SchemaRegistryServer(new SchemaRegistryServer.Config(kafka.bootstrapServers(), "127.0.0.1", 0,
                "_schemas", Compatibility.BACKWARD, new dev.memlog.common.auth.ServiceToken(TestCredentials.SERVICE_TOKEN)));
        model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
    }

    @AfterAll
    static void stop() {
        registry.close();
        kafka.close();
    }

    /** @param idle how long a session waits for another turn; long before the restart, so only the owner's time closes sessions */
    ConsolidationService consolidation(Path stateDir, Duration idle) throws Exception {
        return new ConsolidationService(ConsolidationService.Config.from(new Env(Map.of("STREAMS_APPLICATION_ID", "restart-test",
                "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "SCHEMA_REGISTRY_URL", registry.url(),
                "STREAMS_STATE_DIR", stateDir.toString(), "HTTP_HOST", "127.0.0.1", "CONSOLIDATION_PORT", "0",
                "TOPIC_PARTITIONS", "3", "TOPIC_REPLICATION_FACTOR", "1", "SESSION_IDLE_SECONDS", Long.toString(idle.toSeconds()),
                "SERVICE_TOKEN", TestCredentials.SERVICE_TOKEN))),
                model);
    }

    /** Ann states where she lives three times: before the restart, again, and after the restart a new place. */
    static final Map<String, String> FACTS = Map.of("s0-t4", "I live in Leeds.", "s1-t4", "Still happy that I live in Leeds.",
            "s2-t6", "Big news: I live in York now.");

    static MemoryEvent turn(int session, int i) {
        // sessions two hours apart in event time: each one closes the one before it
        Instant at = T0.plus(Duration.ofHours(2L * session)).plusSeconds(30L * i);
        String id = "s" + session + "-t" + i;
        return MemoryEvent.newBuilder().setEventId(id).setTenantId("acme").setUserId("ann")
                .setSessionId("session-" + session).setKind(EventKind.TURN).setRole(i % 2 == 0 ? "user" : "assistant")
                .setContent(FACTS.getOrDefault(id, "Turn " + i + " of session " + session
                        + ": we talked about plans for the garden and the trip to Leeds."))
                .setOccurredAt(at).setReceivedAt(RECEIVED).setMetadata(Map.of("speaker", i % 2 == 0 ? "Ann" : "Bo")).build();
    }

    @Test
    void aRestartMidStreamLosesNothingAndDuplicatesNothing() throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        var events = Topics.MEMORY_EVENTS;
        var registryClient = new SchemaRegistryClient(registry.url(), TestCredentials.serviceAuthorization());
        String key = MemoryOwner.of("acme", "ann", null).key();
        List<MemoryEvent> all = new ArrayList<>();
        for (int s = 0; s < SESSIONS; s++) {
            for (int i = 0; i < TURNS; i++) {
                all.add(turn(s, i));
            }
        }
        try (var producer = new KafkaProducer<>(p, events.keySerde().serializer(), events.valueSerde(AvroFormat.plain(registryClient)).serializer());
             var consumer = committedRecords(registryClient)) {
            var output = new HashMap<String, List<MemoryRecord>>();
            var first = consolidation(dir.resolve("state-1"), Duration.ofMinutes(10));
            int half = all.size() / 2 + 7; // stop inside the second session, with its buffer half full
            for (MemoryEvent e : all.subList(0, half)) {
                producer.send(new ProducerRecord<>(events.name(), null, e.getReceivedAt().toEpochMilli(), key, e));
            }
            producer.flush();
            await().atMost(Duration.ofSeconds(120)).until(() -> drain(consumer, output) >= TURNS);
            first.close();

            for (MemoryEvent e : all.subList(half, all.size())) {
                producer.send(new ProducerRecord<>(events.name(), null, e.getReceivedAt().toEpochMilli(), key, e));
            }
            producer.flush();
            // an empty state directory: the stores come back from their changelogs
            try (var second = consolidation(dir.resolve("state-2"), Duration.ofSeconds(2))) {
                await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                        .until(() -> drain(consumer, output) >= all.size() + SESSIONS + FACT_VERSIONS);
                Thread.sleep(3000); // anything beyond that would be a duplicate: give it time to show up
                drain(consumer, output);
            }

            var turns = output.values().stream().flatMap(List::stream)
                    .filter(r -> r.getTier() == MemoryTier.EPISODIC && !SessionSummarizer.KIND.equals(r.getMetadata().get("kind"))).toList();
            var summaries = output.values().stream().flatMap(List::stream)
                    .filter(r -> SessionSummarizer.KIND.equals(r.getMetadata().get("kind"))).toList();
            assertThat(turns).hasSize(all.size());
            assertThat(turns.stream().map(MemoryRecord::getRecordId).distinct()).hasSize(all.size());
            assertThat(turns.stream().map(r -> r.getProvenance().getFirst()).sorted().toList())
                    .isEqualTo(all.stream().map(MemoryEvent::getEventId).sorted().toList());
            assertThat(summaries).hasSize(SESSIONS);
            for (int s = 0; s < SESSIONS; s++) {
                int session = s;
                assertThat(summaries).filteredOn(r -> r.getSessionId().equals("session-" + session)).singleElement()
                        .satisfies(r -> assertThat(r.getProvenance()).hasSize(TURNS).allMatch(id -> id.startsWith("s" + session + "-")));
            }
            // every version of every fact once, and the last versions tell the story across the restart
            var facts = output.values().stream().flatMap(List::stream).filter(r -> r.getTier() == MemoryTier.SEMANTIC).toList();
            assertThat(facts).hasSize(FACT_VERSIONS);
            assertThat(facts.stream().map(r -> r.getRecordId() + "@" + r.getVersion()).distinct()).hasSize(FACT_VERSIONS);
            var leeds = output.get(FactReconciler.recordId("acme", "s0-t4", 0)).getLast();
            var york = output.get(FactReconciler.recordId("acme", "s2-t6", 0)).getLast();
            assertThat(leeds.getVersion()).isEqualTo(3);
            assertThat(leeds.getProvenance()).containsExactly("s0-t4", "s1-t4");
            assertThat(leeds.getValidTo()).isEqualTo(york.getValidFrom());
            assertThat(york.getValidTo()).isNull();
            assertThat(york.getMetadata()).containsEntry("supersedes", leeds.getRecordId()).containsEntry("value", "York");
        }
    }

    KafkaConsumer<String, MemoryRecord> committedRecords(SchemaRegistryClient registryClient) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "restart-check-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var records = Topics.MEMORY_RECORDS;
        var consumer = new KafkaConsumer<>(c, records.keySerde().deserializer(), records.valueSerde(AvroFormat.plain(registryClient)).deserializer());
        consumer.subscribe(List.of(records.name()));
        return consumer;
    }

    /** Adds what is newly committed, every copy kept; returns how many records were read in all. */
    static int drain(KafkaConsumer<String, MemoryRecord> consumer, Map<String, List<MemoryRecord>> output) {
        for (var r : consumer.poll(Duration.ofMillis(500))) {
            output.computeIfAbsent(r.value().getRecordId(), k -> new ArrayList<>()).add(r.value());
        }
        return output.values().stream().mapToInt(List::size).sum();
    }
}
