package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.embedding.Vectors;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EpisodeRecorderTest {
    static EmbeddingProvider model;
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    TopologyTestDriver driver;
    TestInputTopic<String, MemoryEvent> events;
    TestOutputTopic<String, MemoryRecord> records;

    @BeforeAll
    static void loadModel() {
        model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
    }

    @BeforeEach
    void start() {
        var format = TopologyHarness.sealedFormat();
        var topology = ConsolidationService.topology(format, ConsolidationService.Parts.turns(
                new EpisodeRecorder(model, new SignalImportanceScorer(), Clock.fixed(NOW, ZoneOffset.UTC)), false));
        var harness = TopologyHarness.open(topology, format, "test", Instant.now());
        driver = harness.driver();
        events = harness.events();
        records = harness.records();
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    static MemoryEvent event(String tenant, String id, EventKind kind, String content) {
        return MemoryEvent.newBuilder().setEventId(id).setTenantId(tenant).setUserId("alice").setSessionId("s1")
                .setKind(kind).setRole(kind == EventKind.TURN ? "user" : null).setContent(content)
                .setOccurredAt(Instant.parse("2023-05-08T13:56:00Z")).setReceivedAt(NOW)
                .setMetadata(Map.of("speaker", "Alice")).build();
    }

    static void pipe(TestInputTopic<String, MemoryEvent> topic, MemoryEvent event) {
        topic.pipeInput(MemoryOwner.of(event.getTenantId(), event.getUserId(), event.getAgentId()).key(), event);
    }

    @Test
    void eachEventBecomesOneEmbeddedEpisodicRecordKeyedByItsOwner() {
        var event = event("acme", "e-1", EventKind.TURN, "I adopted a puppy named Biscuit");
        pipe(events, event);

        var output = records.readKeyValuesToList();
        assertThat(output).hasSize(1);
        var record = output.getFirst().value;
        assertThat(output.getFirst().key).isEqualTo(MemoryOwner.of("acme", "alice", null).key());
        assertThat(record.getTier()).isEqualTo(MemoryTier.EPISODIC);
        assertThat(record.getText()).isEqualTo("I adopted a puppy named Biscuit");
        assertThat(record.getEmbedding()).hasSize(384);
        assertThat(record.getEmbeddingModel()).isEqualTo("bge-small-en-v1.5-q");
        assertThat(record.getProvenance()).containsExactly("e-1");
        assertThat(record.getObservedAt()).isEqualTo(event.getOccurredAt());
        assertThat(record.getValidFrom()).isEqualTo(event.getOccurredAt());
        assertThat(record.getValidTo()).isNull();
        assertThat(record.getCreatedAt()).isEqualTo(NOW);
        assertThat(record.getMetadata()).containsEntry("speaker", "Alice");
    }

    @Test
    void explicitMemoryIsSemanticAndMoreImportantThanATurn() {
        pipe(events, event("acme", "t", EventKind.TURN, "we talked about the weather"));
        pipe(events, event("acme", "m", EventKind.EXPLICIT_MEMORY, "Alice is allergic to peanuts"));

        var output = records.readValuesToList();
        assertThat(output.get(1).getTier()).isEqualTo(MemoryTier.SEMANTIC);
        assertThat(output.get(1).getImportance()).isGreaterThan(output.get(0).getImportance());
    }

    @Test
    void recordIdIsStableForTheSameEventAndDistinctAcrossTenants() {
        pipe(events, event("acme", "same-id", EventKind.TURN, "hello"));
        pipe(events, event("acme", "same-id", EventKind.TURN, "hello"));
        pipe(events, event("globex", "same-id", EventKind.TURN, "hello"));

        var ids = records.readValuesToList().stream().map(MemoryRecord::getRecordId).toList();
        assertThat(ids.get(0)).isEqualTo(ids.get(1));
        assertThat(ids.get(2)).isNotEqualTo(ids.get(0));
    }

    @Test
    void embeddingsComeFromARealSentenceModel() {
        pipe(events, event("acme", "a", EventKind.TURN, "I adopted a puppy last week"));
        pipe(events, event("acme", "b", EventKind.TURN, "My new dog is very playful"));
        pipe(events, event("acme", "c", EventKind.TURN, "The quarterly tax filing deadline is in April"));

        List<MemoryRecord> out = records.readValuesToList();
        double related = Vectors.cosine(Vectors.toArray(out.get(0).getEmbedding()), Vectors.toArray(out.get(1).getEmbedding()));
        double unrelated = Vectors.cosine(Vectors.toArray(out.get(0).getEmbedding()), Vectors.toArray(out.get(2).getEmbedding()));
        assertThat(related).isGreaterThan(unrelated + 0.1);
    }

    @Test
    void aTurnLongerThanTheContextLimitIsEmbeddedAloneAndAShortOneWithTheTurnBeforeIt() {
        var recorder = new EpisodeRecorder(model, new SignalImportanceScorer(), Clock.fixed(NOW, ZoneOffset.UTC), 5,
                EpisodeRecorder.ContextVector.JOINT);
        var previous = new PreviousTurn("rec-0", "Did you go anywhere last summer?");
        var shortReply = recorder.record(event("acme", "s", EventKind.TURN, "Yes, to Lisbon!"), previous, true);
        var longTurn = recorder.record(event("acme", "l", EventKind.TURN,
                "We spent two weeks in Lisbon and ate custard tarts every single morning"), previous, true);
        assertThat(shortReply.getContextEmbedding()).as("a short reply carries what it answers").hasSize(384);
        assertThat(longTurn.getContextEmbedding()).as("a long turn says enough by itself").isEmpty();
        assertThat(longTurn.getEmbedding()).hasSize(384);
        assertThat(EpisodeRecorder.words("  one two\tthree\n", 10)).isEqualTo(3);
        assertThat(EpisodeRecorder.words("a b c d e f g h", 3)).as("counted no further than needed").isEqualTo(4);
        var unlimited = new EpisodeRecorder(model, new SignalImportanceScorer(), Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(unlimited.record(event("acme", "l2", EventKind.TURN, "We spent two weeks in Lisbon and ate custard tarts"),
                previous, true).getContextEmbedding()).hasSize(384);
    }

    @Test
    void aMeanContextVectorLiesBetweenTheTwoTurnsAndStateWithoutTheVectorIsReadJointly() {
        var recorder = new EpisodeRecorder(model, new SignalImportanceScorer(), Clock.fixed(NOW, ZoneOffset.UTC),
                Integer.MAX_VALUE, EpisodeRecorder.ContextVector.MEAN);
        String question = "Did you go anywhere last summer?";
        float[] questionVector = model.embedDocuments(List.of(question)).getFirst();
        var reply = recorder.record(event("acme", "r", EventKind.TURN, "Yes, to Lisbon!"),
                new PreviousTurn("rec-0", question, questionVector), true);

        float[] own = Vectors.toArray(reply.getEmbedding());
        float[] context = Vectors.toArray(reply.getContextEmbedding());
        assertThat(Vectors.cosine(context, questionVector)).isGreaterThan(Vectors.cosine(own, questionVector) + 0.05);
        assertThat(Vectors.cosine(context, own)).isGreaterThan(Vectors.cosine(questionVector, own) + 0.05);
        assertThat(Vectors.cosine(context, context)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));

        var fromOldState = recorder.record(event("acme", "o", EventKind.TURN, "Yes, to Lisbon!"),
                new PreviousTurn("rec-0", question), true);
        float[] joint = model.embedDocuments(List.of(question + "\nAlice: Yes, to Lisbon!")).getFirst();
        assertThat(Vectors.cosine(Vectors.toArray(fromOldState.getContextEmbedding()), joint)).isGreaterThan(0.9999);
    }
}
