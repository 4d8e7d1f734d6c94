package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.AccessKind;
import dev.memlog.schemas.avro.AccessedMemory;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryAccess;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.avro.RecordChange;
import dev.memlog.schemas.sealing.InMemoryKeyStore;
import dev.memlog.schemas.serde.AvroFormat;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An erased owner's lifecycle state goes, one marker tells the materializer, and a replay of its old events derives nothing. */
class ErasureTest {
    static final Instant T0 = Instant.parse("2024-03-01T09:00:00Z");
    static final String ANN = MemoryOwner.of("acme", "ann", null).key();
    static final String BOB = MemoryOwner.of("acme", "bob", null).key();
    static EmbeddingProvider model;
    final InMemoryKeyStore keys = new InMemoryKeyStore();
    AvroFormat format;
    TopologyHarness harness;
    TestInputTopic<String, MemoryAccess> access;
    TestOutputTopic<String, MemoryStrength> strengths;

    @BeforeAll
    static void loadModel() {
        model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
    }

    @BeforeEach
    void start() {
        format = TopologyHarness.sealedFormat(keys);
        var topology = TopologyHarness.lifecycleTopology(format, model);
        harness = TopologyHarness.open(topology, format, "erasure-test", T0);
        access = harness.driver().createInputTopic(Topics.MEMORY_ACCESS.name(), Topics.MEMORY_ACCESS.keySerde().serializer(),
                Topics.MEMORY_ACCESS.valueSerde(format).serializer());
        strengths = harness.driver().createOutputTopic(Topics.MEMORY_STRENGTH.name(),
                Topics.MEMORY_STRENGTH.keySerde().deserializer(), Topics.MEMORY_STRENGTH.valueSerde(format).deserializer());
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    /** The keys the owner has in the stores that hold what was said: previous turns, facts and fact keys. */
    List<String> entriesOf(String owner) {
        List<String> found = new java.util.ArrayList<>();
        for (String name : List.of(TurnContext.STORE, FactReconciler.FACTS, FactReconciler.KEYS)) {
            try (var all = harness.driver().<String, Object>getKeyValueStore(name).all()) {
                all.forEachRemaining(kv -> {
                    if (kv.key.startsWith(owner + '\u001f')) {
                        found.add(name + ":" + kv.key);
                    }
                });
            }
        }
        return found;
    }

    static MemoryEvent bobSays(String id, String text, Instant at) {
        return MemoryEvent.newBuilder().setEventId(id).setTenantId("acme").setUserId("bob").setSessionId("b-" + id)
                .setKind(EventKind.TURN).setRole("user").setContent(text).setOccurredAt(at).setReceivedAt(at)
                .setMetadata(Map.of()).build();
    }

    @Test
    void afterErasureTheOwnersStateIsGoneAMarkerGoesOutAndAReplayDerivesNothing() {
        MemoryEvent said = MemoryEvent.newBuilder().setEventId("e1").setTenantId("acme").setUserId("ann").setSessionId("s1")
                .setKind(EventKind.TURN).setRole("user").setContent("My sister is called Quillonbeck.").setOccurredAt(T0)
                .setReceivedAt(T0).setMetadata(Map.of("speaker", "Ann")).build();
        byte[] asLogged = Topics.MEMORY_EVENTS.valueSerde(format).serialize(said);
        harness.pipeRaw(ANN, asLogged, T0);
        harness.pipe(bobSays("b1", "My brother is called Tom.", T0.plusSeconds(1)));
        List<MemoryRecord> before = harness.records().readValuesToList();
        assertThat(before).filteredOn(r -> "ann".equals(r.getUserId())).isNotEmpty();
        strengths.readValuesToList();

        assertThat(entriesOf(ANN)).as("Ann's previous turn and facts are held").isNotEmpty();

        assertThat(keys.destroy(ANN)).hasSize(1);
        harness.erase("x1", "acme:eraser", T0.plusSeconds(60));
        assertThat(entriesOf(ANN)).as("every store keyed by owner").isEmpty();
        assertThat(entriesOf(BOB)).isNotEmpty();

        List<MemoryRecord> erased = harness.records().readValuesToList();
        assertThat(erased).singleElement().satisfies(marker -> {
            assertThat(marker.getChange()).isEqualTo(RecordChange.ERASED);
            assertThat(marker.getRecordId()).isEqualTo("x1");
            assertThat(marker.getUserId()).isEqualTo("ann");
            assertThat(marker.getDeletedBy()).isEqualTo("acme:eraser");
            assertThat(marker.getText()).isEmpty();
        });

        // a retrieval report naming the erased memory finds no use history to reinforce
        String annTurn = EpisodeRecorder.recordId("acme", "e1", MemoryTier.EPISODIC);
        access.pipeInput(ANN, MemoryAccess.newBuilder().setAccessId("a1").setTenantId("acme").setUserId("ann")
                .setKind(AccessKind.RETRIEVED).setOccurredAt(T0.plusSeconds(90))
                .setMemories(List.of(AccessedMemory.newBuilder().setRecordId(annTurn).setRank(1).setScore(1.0).build())).build(),
                T0.plusSeconds(90));
        assertThat(strengths.readValuesToList()).noneMatch(s -> s.getRecordId().equals(annTurn));

        // the log replayed: Ann's old event no longer opens, so nothing of hers is derived again; Bob goes on
        harness.pipeRaw(ANN, asLogged, T0.plusSeconds(120));
        harness.pipe(bobSays("b2", "I moved to Porto.", T0.plusSeconds(121)));
        List<MemoryRecord> replayed = harness.records().readValuesToList();
        assertThat(replayed).noneMatch(r -> "ann".equals(r.getUserId()));
        assertThat(replayed).anyMatch(r -> "bob".equals(r.getUserId()) && r.getText().contains("Porto"));
        assertThat(harness.driver().producedTopicNames()).doesNotContain(Topics.CONSOLIDATION_DEAD_LETTERS.name());
    }
}
