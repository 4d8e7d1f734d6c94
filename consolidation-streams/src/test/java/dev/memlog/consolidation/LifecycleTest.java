package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.memory.StrengthModel;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Decay, reinforcement and forgetting through the whole consolidation topology (facts on), with the real local model. */
class LifecycleTest {
    static final Instant T0 = Instant.parse("2024-01-01T09:00:00Z");
    static final String OWNER = MemoryOwner.of("acme", "ann", null).key();
    static final StrengthModel MODEL = StrengthModel.defaults();
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
        harness = TopologyHarness.open(topology, format, "lifecycle-test", T0);
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

    static Instant day(int n) {
        return T0.plus(Duration.ofDays(n));
    }

    void turn(String id, String text, Instant at) {
        harness.turn(id, text, at);
    }

    void explicit(String id, String text, Instant at) {
        harness.explicit(id, text, at);
    }

    void access(String id, AccessKind kind, Instant at, String... recordIds) {
        List<AccessedMemory> memories = new ArrayList<>();
        for (int i = 0; i < recordIds.length; i++) {
            memories.add(AccessedMemory.newBuilder().setRecordId(recordIds[i]).setRank(i + 1).setScore(1.0).build());
        }
        access.pipeInput(OWNER, MemoryAccess.newBuilder().setAccessId(id).setTenantId("acme").setUserId("ann").setKind(kind)
                .setQuery("q").setOccurredAt(at).setMemories(memories).build(), at);
    }

    /** A report by an agent's credential about Ann's memories, naming that agent. */
    void reportBy(String agentId, String id, AccessKind kind, Instant at, String... recordIds) {
        List<AccessedMemory> memories = new ArrayList<>();
        for (String recordId : recordIds) {
            memories.add(AccessedMemory.newBuilder().setRecordId(recordId).setRank(null).setScore(null).build());
        }
        access.pipeInput(OWNER, MemoryAccess.newBuilder().setAccessId(id).setTenantId("acme").setUserId("ann").setAgentId(agentId)
                .setKind(kind).setQuery(null).setOccurredAt(at).setMemories(memories).build(), at);
    }

    static String turnId(String eventId) {
        return EpisodeRecorder.recordId("acme", eventId, MemoryTier.EPISODIC);
    }

    static StrengthModel.Uses uses(MemoryStrength s) {
        return Lifecycle.uses(s);
    }

    /** Everything written to memory.records and memory.strength so far, in order. */
    List<SpecificRecord> outputs() {
        List<SpecificRecord> out = new ArrayList<>(harness.records().readValuesToList());
        out.addAll(strengths.readValuesToList());
        return out;
    }

    @Test
    void aReportNamingAnAgentReachesThatAgentsShareOfTheUserOnly() {
        start();
        harness.turnTo("a1", "e1", "The old harbour in Porto was lovely in the sun.", day(0));
        harness.turnTo("a2", "e2", "The new harbour in Vigo was busy in the rain.", day(0).plusSeconds(5));
        // an agent's credential knows a record id of what Ann told another agent, and reports on both
        reportBy("a1", "r1", AccessKind.NOT_USEFUL, day(1), turnId("e1"), turnId("e2"));
        reportBy("a1", "r2", AccessKind.USED, day(2), turnId("e2"));
        assertThat(strengths.readValuesToList()).extracting(MemoryStrength::getRecordId).containsExactly(turnId("e1"));
    }

    @Test
    void strengthFallsWithoutUseAndRisesWithIt() {
        start();
        turn("e1", "The old harbour in Porto was lovely in the sun.", day(0));
        turn("e2", "The new harbour in Vigo was busy in the rain.", day(0).plusSeconds(5));
        access("a1", AccessKind.RETRIEVED, day(10), turnId("e1"));
        access("a2", AccessKind.USED, day(40), turnId("e1"));
        access("a2", AccessKind.USED, day(40), turnId("e1")); // the same access again: counted once
        access("a3", AccessKind.RETRIEVED, day(40), "no-such-record");

        List<MemoryStrength> out = strengths.readValuesToList();
        assertThat(out).hasSize(2).allMatch(s -> s.getRecordId().equals(turnId("e1")));
        MemoryStrength used = out.getLast();
        assertThat(used.getUses()).containsExactly(day(10), day(40));
        assertThat(used.getUseCount()).isEqualTo(2);
        assertThat(used.getUsed()).isEqualTo(1);
        assertThat(used.getLastSource()).isEqualTo("a2");

        // the unused twin: same importance class, observed at the same time, never used
        var unused = StrengthModel.Uses.unused(day(0), used.getImportance(), false);
        assertThat(MODEL.strength(uses(used), day(100))).isGreaterThan(MODEL.strength(unused, day(100)));
        assertThat(MODEL.strength(unused, day(100))).isLessThan(MODEL.strength(unused, day(50)));

        access("a4", AccessKind.NOT_USEFUL, day(41), turnId("e1"));
        MemoryStrength judged = strengths.readValuesToList().getLast();
        assertThat(judged.getNotUseful()).isEqualTo(1);
        assertThat(MODEL.strength(uses(judged), day(100))).isLessThan(MODEL.strength(uses(used), day(100)));
    }

    @Test
    void aFadedMemoryIsForgottenOnceWithItsReasonAndPinnedOnesNeverAre() {
        start();
        turn("chat", "Okay, sounds good to me.", day(0));
        explicit("m1", "Ann is allergic to peanuts", day(0).plusSeconds(1));
        explicit("m2", "Always answer in French.", day(0).plusSeconds(2));
        turn("fresh", "Booked the dentist for Tuesday at 10.", day(400));

        var records = harness.records().readValuesToList();
        var forgotten = records.stream().filter(r -> r.getChange() == RecordChange.FORGOTTEN).toList();
        assertThat(forgotten).singleElement().satisfies(r -> {
            assertThat(r.getRecordId()).isEqualTo(turnId("chat"));
            assertThat(r.getVersion()).isEqualTo(2);
            assertThat(r.getText()).isEqualTo("Okay, sounds good to me.");
            assertThat(r.getForgottenAt()).isAfter(day(100)).isBefore(day(400));
            assertThat(r.getChangeReason()).startsWith("strength fell below 0.05 on").contains("0 uses");
            // a check the next turn happened to trigger: the version names no event of its own
            assertThat(r.getDerivedWhile()).isNull();
        });
        assertThat(records.stream().filter(r -> r.getRecordId().equals(turnId("fresh"))).findFirst().orElseThrow()
                .getDerivedWhile().getOffset()).as("the turn's own event, passed through the lifecycle").isEqualTo(3L);
        var tombstone = strengths.readValuesToList();
        assertThat(tombstone).singleElement().satisfies(s -> assertThat(s.getForgottenAt()).isEqualTo(forgotten.getFirst().getForgottenAt()));

        // years later the explicit memory and the instruction are still there, the fresh turn fades in its turn
        turn("later", "Booked the dentist again.", day(4000));
        turn("later2", "Booked the optician.", day(4001));
        var after = harness.records().readValuesToList().stream().filter(r -> r.getChange() == RecordChange.FORGOTTEN)
                .map(MemoryRecord::getRecordId).toList();
        assertThat(after).containsExactly(turnId("fresh"));
    }

    @Test
    void aDormantOwnersMemoriesAgeOnceTheirSilenceOutlastsTheGrace() {
        start();
        turn("chat", "Okay, sounds good to me.", day(0));
        // another owner of the same partition goes on talking; Ann says nothing more
        bo("b1", day(100));
        assertThat(harness.records().readValuesToList()).noneMatch(r -> r.getChange() == RecordChange.FORGOTTEN);

        bo("b2", day(800)); // 435 days past Ann's clock, more than the year of grace

        // (Bo's own first turn, 700 days old on his clock, goes by the ordinary check)
        assertThat(harness.records().readValuesToList()).filteredOn(r -> r.getChange() == RecordChange.FORGOTTEN)
                .filteredOn(r -> r.getUserId().equals("ann")).singleElement().satisfies(r -> {
                    assertThat(r.getRecordId()).isEqualTo(turnId("chat"));
                    assertThat(r.getForgottenAt()).isAfter(day(150)).isBefore(day(435));
                });
    }

    void bo(String id, Instant at) {
        harness.pipe(MemoryEvent.newBuilder().setEventId(id).setTenantId("acme").setUserId("bo").setSessionId("b")
                .setKind(EventKind.TURN).setRole("user").setContent("Booked the dentist again.").setOccurredAt(at)
                .setReceivedAt(at).build());
    }

    @Test
    void aForgottenFactRestatedComesBackAsANewerVersion() {
        start();
        turn("e1", "I live in Leeds.", day(0));
        String fact = FactReconciler.recordId("acme", "e1", 0);
        turn("e2", "Okay.", day(1500)); // the owner's clock moves on: the fact fades and is forgotten
        var forgotten = harness.records().readValuesToList().stream()
                .filter(r -> r.getRecordId().equals(fact) && r.getChange() == RecordChange.FORGOTTEN).toList();
        assertThat(forgotten).singleElement().satisfies(r -> assertThat(r.getVersion()).isEqualTo(2));

        turn("e3", "Anyway, I still live in Leeds.", day(1501));

        var revived = harness.records().readValuesToList().stream().filter(r -> r.getRecordId().equals(fact)).toList();
        assertThat(revived).singleElement().satisfies(r -> {
            assertThat(r.getChange()).isEqualTo(RecordChange.REVIVED);
            assertThat(r.getVersion()).as("after the forgetting version").isEqualTo(3);
            assertThat(r.getForgottenAt()).isNull();
            assertThat(r.getProvenance()).containsExactly("e1", "e3");
        });
    }

    @Test
    void replayingTheSameEventsAndAccessesGivesTheSameStrengthsAndTombstones() {
        List<List<SpecificRecord>> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            start();
            turn("e1", "I adopted a cat called Miso.", day(0));
            turn("e2", "Nice weather today.", day(0).plusSeconds(5));
            access("a1", AccessKind.RETRIEVED, day(30), turnId("e1"), turnId("e2"));
            access("a2", AccessKind.USED, day(60), turnId("e1"));
            turn("e3", "Haha, right.", day(700));
            turn("e4", "See you.", day(2000));
            runs.add(outputs());
            harness.close();
            harness = null;
        }
        assertThat(runs.get(1)).isEqualTo(runs.get(0));
        assertThat(runs.get(0)).anyMatch(r -> r instanceof MemoryRecord m && m.getChange() == RecordChange.FORGOTTEN);
    }

    /** A turn Ann said at {@code at}, appended by the platform at {@code received}. */
    void said(String id, String text, Instant at, Instant received) {
        harness.pipe(MemoryEvent.newBuilder().setEventId(id).setTenantId("acme").setUserId("ann").setSessionId("s-" + id)
                .setKind(EventKind.TURN).setRole("user").setContent(text).setOccurredAt(at).setReceivedAt(received)
                .setMetadata(Map.of("speaker", "Ann")).build());
    }

    @Test
    void aHistoryLoadedYearsLaterIsAgedByItsOwnTimelineNotByTheDayItWasLoaded() {
        start();
        Instant loaded = Instant.parse("2026-11-30T10:00:00Z");
        Instant jan = Instant.parse("2023-01-10T09:00:00Z");
        Instant dec = Instant.parse("2023-12-20T09:00:00Z");
        said("chat", "Okay, sounds good to me.", jan, loaded);
        said("home", "I live in Leeds.", jan.plusSeconds(60), loaded.plusSeconds(1));
        said("plan", "We are planning a trip to Kyoto in October.", Instant.parse("2023-06-01T09:00:00Z"), loaded.plusSeconds(2));
        said("pet", "I adopted a cat called Miso.", dec, loaded.plusSeconds(3));
        said("bye", "See you next week.", dec.plusSeconds(60), loaded.plusSeconds(4));
        // the agent searches Ann's memory now and over the next hours: several forgetting checks of her clock
        List<String> all = List.of(turnId("chat"), turnId("home"), turnId("plan"), turnId("pet"), turnId("bye"),
                FactReconciler.recordId("acme", "home", 0), FactReconciler.recordId("acme", "pet", 0));
        for (int hour = 0; hour < 5; hour++) {
            access("search-" + hour, AccessKind.RETRIEVED, loaded.plus(Duration.ofHours(hour)).plusSeconds(10),
                    turnId("pet"));
        }

        var records = harness.records().readValuesToList();
        assertThat(records).extracting(MemoryRecord::getRecordId).containsAll(all);
        var forgotten = records.stream().filter(r -> r.getChange() == RecordChange.FORGOTTEN).toList();
        // small talk from January had faded by Ann's own summer; everything else is as her December left it
        assertThat(forgotten).singleElement().satisfies(r -> {
            assertThat(r.getRecordId()).isEqualTo(turnId("chat"));
            assertThat(r.getForgottenAt()).isAfter(jan).isBefore(dec);
        });
        // and the searches were uses at Ann's time: hours after her December, not years after it
        Instant annNow = dec.plusSeconds(60).plus(Duration.ofHours(5));
        List<MemoryStrength> uses = strengths.readValuesToList();
        assertThat(uses).filteredOn(u -> u.getRecordId().equals(turnId("pet"))).last()
                .satisfies(u -> assertThat(u.getUses()).allSatisfy(at -> assertThat(at).isBefore(annNow).isAfter(dec)));
    }

    @Test
    void aReportDatedByTheClientIsAUseOnTheOwnersTimeline() {
        start();
        Instant loaded = Instant.parse("2026-11-30T10:00:00Z");
        said("pet", "I adopted a cat called Miso.", day(0), loaded);
        access.pipeInput(OWNER, MemoryAccess.newBuilder().setAccessId("f1").setTenantId("acme").setUserId("ann")
                .setKind(AccessKind.USED).setOccurredAt(loaded.plusSeconds(30)).setEventTime(day(3))
                .setMemories(List.of(AccessedMemory.newBuilder().setRecordId(turnId("pet")).build())).build(), loaded.plusSeconds(30));

        assertThat(strengths.readValuesToList()).last().satisfies(s -> assertThat(s.getUses()).containsExactly(day(3)));
    }
}
