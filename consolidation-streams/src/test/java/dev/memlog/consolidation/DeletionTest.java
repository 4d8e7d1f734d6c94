package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.AccessKind;
import dev.memlog.schemas.avro.AccessedMemory;
import dev.memlog.schemas.avro.MemoryAccess;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.avro.RecordChange;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A memory deleted on request leaves for good, says when and by whom, and neither a retry nor a replay brings it back. */
class DeletionTest {
    static final Instant T0 = Instant.parse("2024-03-01T09:00:00Z");
    static final String OWNER = MemoryOwner.of("acme", "ann", null).key();
    static EmbeddingProvider model;
    TopologyHarness harness;
    TestInputTopic<String, MemoryAccess> access;
    TestOutputTopic<String, MemoryStrength> strengths;

    @BeforeAll
    static void loadModel() {
        model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
    }

    void start() {
        var format = TopologyHarness.sealedFormat();
        var topology = TopologyHarness.lifecycleTopology(format, model);
        if (harness != null) {
            harness.close();
        }
        harness = TopologyHarness.open(topology, format, "deletion-test", T0);
        var a = Topics.MEMORY_ACCESS;
        var s = Topics.MEMORY_STRENGTH;
        access = harness.driver().createInputTopic(a.name(), a.keySerde().serializer(), a.valueSerde(format).serializer());
        strengths = harness.driver().createOutputTopic(s.name(), s.keySerde().deserializer(), s.valueSerde(format).deserializer());
    }

    @AfterEach
    void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    static String turnId(String eventId) {
        return EpisodeRecorder.recordId("acme", eventId, MemoryTier.EPISODIC);
    }

    void retrieved(String accessId, String recordId, Instant at) {
        access.pipeInput(OWNER, MemoryAccess.newBuilder().setAccessId(accessId).setTenantId("acme").setUserId("ann")
                .setKind(AccessKind.RETRIEVED).setQuery("q").setOccurredAt(at)
                .setMemories(List.of(AccessedMemory.newBuilder().setRecordId(recordId).setRank(1).setScore(1.0).build())).build(), at);
    }

    /** The log as an agent wrote it: two turns, a retrieval, Ann's deletion of the first, a retried append of it. */
    void history() {
        harness.turn("e1", "My locker code at the gym is 4471.", T0);
        harness.turn("e2", "The weather in Porto was lovely today.", T0.plusSeconds(5));
        retrieved("a1", turnId("e1"), T0.plusSeconds(60));
        harness.delete("d1", turnId("e1"), null, "ann-phone-key", "she asked to forget it", T0.plusSeconds(120));
        harness.turn("e1", "My locker code at the gym is 4471.", T0); // the agent's retry of the first append
        retrieved("a2", turnId("e1"), T0.plusSeconds(180));
    }

    @Test
    void aDeletedMemoryGetsALastVersionSayingWhenAndByWhomAndNothingRevivesIt() {
        start();
        history();
        List<MemoryRecord> versions = harness.records().readValuesToList().stream()
                .filter(r -> r.getRecordId().equals(turnId("e1"))).toList();
        assertThat(versions).extracting(MemoryRecord::getChange).containsExactly(RecordChange.DERIVED, RecordChange.DELETED);
        MemoryRecord deleted = versions.getLast();
        assertThat(deleted.getVersion()).isEqualTo(2);
        assertThat(deleted.getDeletedAt()).isEqualTo(T0.plusSeconds(120));
        assertThat(deleted.getDeletedBy()).isEqualTo("ann-phone-key");
        assertThat(deleted.getChangeReason()).isEqualTo("deleted by ann-phone-key: she asked to forget it");
        assertThat(deleted.getProvenance()).endsWith("d1");

        List<MemoryStrength> changes = strengths.readValuesToList().stream()
                .filter(s -> s.getRecordId().equals(turnId("e1"))).toList();
        assertThat(changes.getLast().getDeletedAt()).as("the marker, published so the strength index drops it").isNotNull();
        assertThat(changes).as("the retrieval after the deletion reinforces nothing")
                .noneMatch(s -> "a2".equals(s.getLastSource()));
    }

    @Test
    void aDeletionOfAnotherOwnersOrAnotherAgentsMemoryChangesNothing() {
        start();
        harness.turn("e1", "My locker code at the gym is 4471.", T0);
        harness.records().readValuesToList();
        harness.delete("d1", "no-such-record", null, "k", "", T0.plusSeconds(1));
        harness.delete("d2", turnId("e1"), "planner", "planner-key", "", T0.plusSeconds(2));
        harness.pipe(dev.memlog.schemas.avro.MemoryEvent.newBuilder().setEventId("d3").setTenantId("acme").setUserId("bob")
                .setKind(dev.memlog.schemas.avro.EventKind.DELETION).setContent("").setOccurredAt(T0.plusSeconds(3))
                .setReceivedAt(T0.plusSeconds(3)).setTargetRecordId(turnId("e1")).setActor("bob-key").build());
        assertThat(harness.records().readValuesToList()).isEmpty();
        assertThat(strengths.readValuesToList()).noneMatch(s -> s.getDeletedAt() != null);
    }

    @Test
    void aReplayOfTheLogDeletesTheSameMemoryAtTheSamePoint() {
        start();
        history();
        List<String> first = harness.records().readValuesToList().stream()
                .map(r -> r.getRecordId() + ":" + r.getVersion() + ":" + r.getChange()).toList();
        start(); // a fresh application over the same log: the re-derivation an operator runs
        history();
        List<String> replayed = harness.records().readValuesToList().stream()
                .map(r -> r.getRecordId() + ":" + r.getVersion() + ":" + r.getChange()).toList();
        assertThat(replayed).isEqualTo(first).contains(turnId("e1") + ":2:DELETED");
    }
}
