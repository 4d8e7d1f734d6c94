package dev.memlog.consolidation;

import dev.memlog.schemas.serde.AvroFormat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.schemas.DeadLetterTopic;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bad event never stops a partition: what consolidation cannot read or process goes to the dead-letter topic with
 * the reason, and every other owner's events on the partition are consolidated as before.
 */
class PoisonEventsTest {
    static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
    static EmbeddingProvider model;
    TopologyHarness harness;
    TestOutputTopic<byte[], byte[]> deadLetters;
    AvroFormat format;

    @BeforeAll
    static void loadModel() {
        model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
    }

    /** The whole default consolidation: facts, summaries, working memory, lifecycle. */
    void start() {
        format = TopologyHarness.sealedFormat();
        Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
        var scorer = new SignalImportanceScorer();
        var summaries = SummaryChoice.from(new dev.memlog.common.config.Env(Map.of()));
        var topology = ConsolidationService.topology(format, ConsolidationService.Parts
                .turns(new EpisodeRecorder(model, scorer, clock), true)
                .withLimits(Duration.ofDays(30), 1000)
                .withFacts(() -> FactChoice.of("rules").processor(model, scorer, clock))
                .withSummaries(() -> summaries.processor(model, clock))
                .withWorkingMemory(() -> new WorkingMemory(2000, Duration.ofDays(30)))
                .withLifecycle(Lifecycle.defaults(clock)));
        harness = TopologyHarness.open(topology, format, "poison-test", T0);
        deadLetters = harness.driver().createOutputTopic(Topics.CONSOLIDATION_DEAD_LETTERS.name(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    static MemoryEvent turn(String id, String user, String speaker, String content, Instant at) {
        return MemoryEvent.newBuilder().setEventId(id).setTenantId("acme").setUserId(user).setSessionId(user + "-s1")
                .setKind(EventKind.TURN).setRole("user").setContent(content).setOccurredAt(at).setReceivedAt(at)
                .setMetadata(speaker == null ? Map.of() : Map.of("speaker", speaker)).build();
    }

    List<MemoryRecord> turnsOf(List<MemoryRecord> records, String user) {
        return records.stream().filter(r -> r.getUserId().equals(user) && r.getTier() == MemoryTier.EPISODIC
                && !"session_summary".equals(r.getMetadata().get("kind"))).toList();
    }

    @Test
    void aSpeakerWithRegexMetacharactersIsConsolidatedAndSoIsTheNextOwnersTurn() {
        start();
        harness.pipe(turn("k1", "kesha", "Ke$ha", "I am happy that I have a new job", T0));
        harness.pipe(turn("b1", "bo", "Bo\\", "I live in Leeds and I love my garden.", T0.plusSeconds(1)));
        harness.pipe(turn("c1", "cy", "Cy", "I moved to York last spring.", T0.plusSeconds(2)));

        List<MemoryRecord> out = harness.records().readValuesToList();
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(turnsOf(out, "kesha")).isNotEmpty();
        assertThat(out).anyMatch(r -> r.getUserId().equals("kesha") && r.getText().startsWith("Ke$ha is happy that Ke$ha has a new job"));
        assertThat(out).anyMatch(r -> r.getUserId().equals("bo") && r.getText().contains("Bo\\ lives in Leeds"));
        assertThat(turnsOf(out, "cy")).isNotEmpty();
    }

    @Test
    void anEventThatCannotBeProcessedIsADeadLetterWithItsReasonAndThePartitionGoesOn() {
        start();
        harness.pipe(turn("big", "ann", "Ann", "x".repeat(1001), T0));
        harness.pipe(turn("after", "bo", "Bo", "I adopted a cat called Miso.", T0.plusSeconds(1)));

        var letter = deadLetters.readRecord();
        assertThat(DeadLetterTopic.header(letter.getHeaders(), DeadLetterTopic.STAGE)).isEqualTo("processing");
        assertThat(DeadLetterTopic.header(letter.getHeaders(), DeadLetterTopic.MESSAGE)).contains("exceeds the 1000");
        assertThat(DeadLetterTopic.header(letter.getHeaders(), DeadLetterTopic.SOURCE_TOPIC)).isEqualTo(Topics.MEMORY_EVENTS.name());
        // the dead letter is the event as it was read: it can be replayed once the cause is fixed
        MemoryEvent kept = Topics.MEMORY_EVENTS.valueSerde(format).deserialize(letter.getValue());
        assertThat(kept.getEventId()).isEqualTo("big");
        assertThat(new String(letter.getKey(), StandardCharsets.UTF_8)).isEqualTo(MemoryOwner.of("acme", "ann", null).key());
        assertThat(turnsOf(harness.records().readValuesToList(), "bo")).singleElement()
                .satisfies(r -> assertThat(r.getProvenance()).containsExactly("after"));
    }

    @Test
    void bytesThatAreNotAnEventAreSkippedAndThePartitionGoesOn() {
        start();
        var raw = harness.driver().createInputTopic(Topics.MEMORY_EVENTS.name(), new ByteArraySerializer(), new ByteArraySerializer());
        var rawAccess = harness.driver().createInputTopic(Topics.MEMORY_ACCESS.name(), new ByteArraySerializer(), new ByteArraySerializer());
        byte[] key = MemoryOwner.of("acme", "ann", null).key().getBytes(StandardCharsets.UTF_8);
        raw.pipeInput(new TestRecord<>(key, "not avro at all".getBytes(StandardCharsets.UTF_8), T0));
        raw.pipeInput(new TestRecord<>(key, new byte[] {0, 0, 0, 0x7f, 0x7f, 1, 2, 3}, T0)); // a schema id nobody registered
        rawAccess.pipeInput(new TestRecord<>(key, new byte[] {1, 2, 3, 4, 5, 6}, T0));
        harness.pipe(turn("fine", "ann", "Ann", "Booked the dentist for Tuesday at ten.", T0.plusSeconds(1)));

        // (the test driver does not write a deserialization handler's dead letters; DeadLettersIT reads them on a broker)
        assertThat(turnsOf(harness.records().readValuesToList(), "ann")).singleElement()
                .satisfies(r -> assertThat(r.getProvenance()).containsExactly("fine"));
    }

    @Test
    void aDeadLetterIsTheRecordAsReadWithWhyAndWhereItCameFrom() {
        var handler = new DeadLetterHandler();
        var metrics = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        handler.configure(Map.of(DeadLetterHandler.METRICS_CONFIG, metrics));
        byte[] key = "owner".getBytes(StandardCharsets.UTF_8);
        byte[] value = {1, 2, 3};
        var context = new ErrorHandlerContext() {
            public String topic() { return Topics.MEMORY_EVENTS.name(); }
            public int partition() { return 2; }
            public long offset() { return 41; }
            public org.apache.kafka.common.header.Headers headers() {
                return new org.apache.kafka.common.header.internals.RecordHeaders().add("trace", new byte[] {9});
            }
            public String processorNodeId() { return "KSTREAM-SOURCE-0000000000"; }
            public org.apache.kafka.streams.processor.TaskId taskId() { return new org.apache.kafka.streams.processor.TaskId(0, 2); }
            public long timestamp() { return T0.toEpochMilli(); }
            public byte[] sourceRawKey() { return key; }
            public byte[] sourceRawValue() { return value; }
        };
        var response = handler.handleError(context, (org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>) null,
                new org.apache.kafka.common.errors.SerializationException("not Confluent wire format\n\u001b[31m"));

        assertThat(response.result()).isEqualTo(org.apache.kafka.streams.errors.DeserializationExceptionHandler.Result.RESUME);
        var letter = response.deadLetterQueueRecords().getFirst();
        assertThat(letter.topic()).isEqualTo(Topics.CONSOLIDATION_DEAD_LETTERS.name());
        assertThat(letter.key()).isEqualTo(key);
        assertThat(letter.value()).isEqualTo(value);
        assertThat(DeadLetterTopic.header(letter.headers(), DeadLetterTopic.SOURCE_TOPIC)).isEqualTo(Topics.MEMORY_EVENTS.name());
        assertThat(DeadLetterTopic.header(letter.headers(), DeadLetterTopic.SOURCE_PARTITION)).isEqualTo("2");
        assertThat(DeadLetterTopic.header(letter.headers(), DeadLetterTopic.SOURCE_OFFSET)).isEqualTo("41");
        assertThat(DeadLetterTopic.header(letter.headers(), DeadLetterTopic.STAGE)).isEqualTo("deserialization");
        assertThat(DeadLetterTopic.header(letter.headers(), DeadLetterTopic.MESSAGE)).contains("not Confluent wire format")
                .doesNotContain("\u001b");
        assertThat(letter.headers().lastHeader("trace").value()).containsExactly(9);
        assertThat(metrics.counter("memlog_dead_letters", "topic", Topics.CONSOLIDATION_DEAD_LETTERS.name(),
                "stage", "deserialization").count()).isEqualTo(1);
    }

    @Test
    void aRegistryThatCannotAnswerIsNoReasonToDeadLetterAGoodRecord() {
        var handler = new DeadLetterHandler();
        handler.configure(Map.of());
        var response = handler.handleError(null, (org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>) null,
                new org.apache.kafka.common.errors.SerializationException("cannot deserialize",
                        new dev.memlog.schemas.registry.SchemaRegistryException("registry unreachable", new java.io.IOException("refused"))));
        assertThat(response.result()).isEqualTo(org.apache.kafka.streams.errors.DeserializationExceptionHandler.Result.FAIL);
    }

    @Test
    void keysConsolidationReservesAreNotTakenFromAnEvent() {
        start();
        var sneaky = turn("s1", "ann", "Ann", "Okay, sounds good to me.", T0);
        sneaky.setMetadata(Map.of("speaker", "Ann", "kind", "session_summary", "pinned", "true", "channel", "web"));
        harness.pipe(sneaky);

        MemoryRecord record = turnsOf(harness.records().readValuesToList(), "ann").getFirst();
        assertThat(record.getMetadata()).containsOnlyKeys("speaker", "channel");
    }

}
