package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.LogPosition;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Facts reconciled through the whole consolidation topology, with the real local model. */
class FactReconcilerTest {
    static final Instant T0 = Instant.parse("2023-05-08T13:56:00Z");
    static EmbeddingProvider model;
    TopologyHarness harness;

    @BeforeAll
    static void loadModel() {
        model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
    }

    void start(String extractor) {
        var format = TopologyHarness.sealedFormat();
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        var scorer = new SignalImportanceScorer();
        var topology = ConsolidationService.topology(format, ConsolidationService.Parts.turns(
                new EpisodeRecorder(model, scorer, clock), false).withFacts(() -> FactChoice.of(extractor).processor(model, scorer, clock)));
        harness = TopologyHarness.open(topology, format, "facts-test", T0);
    }

    @AfterEach
    void stop() {
        if (harness != null) {
            harness.close();
        }
    }

    void turn(String id, String text, Instant at) {
        harness.turn(id, text, at);
    }

    void explicit(String id, String text, Instant at) {
        harness.explicit(id, text, at);
    }

    /** Every fact or instruction version written so far, in order. */
    List<MemoryRecord> facts() {
        return harness.records().readValuesToList().stream().filter(r -> r.getTier() != MemoryTier.EPISODIC).toList();
    }

    static Instant day(int n) {
        return T0.plus(Duration.ofDays(n));
    }

    @Test
    void aRestatedFactReinforcesTheOneRecordInsteadOfAddingAnother() {
        start("rules");
        turn("e1", "I live in Leeds.", day(0));
        turn("e2", "Anyway, I still live in Leeds, near the river.", day(3));
        var out = facts();
        assertThat(out).hasSize(2).extracting(MemoryRecord::getRecordId).containsOnly(FactReconciler.recordId("acme", "e1", 0));
        var latest = out.getLast();
        assertThat(latest.getVersion()).isEqualTo(2);
        assertThat(latest.getProvenance()).containsExactly("e1", "e2");
        assertThat(latest.getMetadata()).containsEntry("mentions", "2").containsEntry("value", "Leeds");
        assertThat(latest.getObservedAt()).isEqualTo(day(3));
        assertThat(latest.getValidFrom()).isEqualTo(day(0));
        assertThat(latest.getValidTo()).isNull();
        assertThat(latest.getImportance()).isBetween(0.0, 1.0);
    }

    @Test
    void aFactNamesTheDateItsRelativeTimeMeant() {
        start("rules");
        turn("e1", "I adopted a puppy last month.", day(0));
        assertThat(facts()).singleElement().satisfies(f -> assertThat(f.getText())
                .isEqualTo("Ann adopted a puppy last month (April 2023)."));
    }

    @Test
    void aNewValueForTheSameAttributeSupersedesTheOldFactWithAValidityInterval() {
        start("rules");
        turn("e1", "I live in Leeds.", day(0));
        turn("e2", "Big news: we just moved to York!", day(10));
        var out = facts();
        String leeds = FactReconciler.recordId("acme", "e1", 0);
        String york = FactReconciler.recordId("acme", "e2", 0);
        assertThat(out).extracting(r -> r.getRecordId() + "@" + r.getVersion())
                .containsExactly(leeds + "@1", leeds + "@2", york + "@1");
        var closed = out.get(1);
        var opened = out.get(2);
        assertThat(closed.getValidFrom()).isEqualTo(day(0));
        assertThat(closed.getValidTo()).isEqualTo(day(10));
        assertThat(closed.getMetadata()).containsEntry("superseded_by", york);
        assertThat(opened.getValidFrom()).isEqualTo(day(10));
        assertThat(opened.getValidTo()).isNull();
        assertThat(opened.getMetadata()).containsEntry("supersedes", leeds).containsEntry("value", "York");
        assertThat(opened.getText()).isEqualTo("Big news: we just moved to York!");
        // each version names the event consolidated when it was made: the old fact's first, the closing one York's
        assertThat(out.getFirst().getDerivedWhile()).isEqualTo(new LogPosition("memory.events", 0, 0L));
        assertThat(closed.getDerivedWhile()).isEqualTo(new LogPosition("memory.events", 0, 1L)).isEqualTo(opened.getDerivedWhile());
    }

    @Test
    void anOlderStatementArrivingLateIsStoredAlreadyClosed() {
        start("rules");
        turn("e2", "I live in York.", day(10));
        turn("e1", "I live in Leeds.", day(0));
        var out = facts();
        assertThat(out).hasSize(2);
        assertThat(out.getFirst().getValidTo()).isNull();
        var late = out.getLast();
        assertThat(late.getRecordId()).isEqualTo(FactReconciler.recordId("acme", "e1", 0));
        assertThat(late.getValidFrom()).isEqualTo(day(0));
        assertThat(late.getValidTo()).isEqualTo(day(10));
    }

    @Test
    void aNearlyIdenticalFactWithoutAKeyReinforcesAndOneInTheNegativeSupersedes() {
        start("rules");
        turn("e1", "I adopted a puppy from the shelter last week!", day(0));
        turn("e2", "I adopted a puppy from the shelter last week.", day(1));
        turn("e3", "I went to the pottery class on Friday.", day(2));
        var out = facts();
        assertThat(out).extracting(MemoryRecord::getRecordId).containsExactly(FactReconciler.recordId("acme", "e1", 0),
                FactReconciler.recordId("acme", "e1", 0), FactReconciler.recordId("acme", "e3", 0));
        assertThat(out.get(1).getProvenance()).containsExactly("e1", "e2");
    }

    @Test
    void aRetriedAppendChangesNothing() {
        start("rules");
        turn("e1", "I live in Leeds.", day(0));
        turn("e1", "I live in Leeds.", day(0));
        assertThat(facts()).hasSize(1);
    }

    @Test
    void explicitInstructionsAreProceduralAndAChangedInstructionSupersedesTheOld() {
        start("none");
        turn("e0", "I live in Leeds and always answer emails late.", day(0)); // FACT_EXTRACTOR=none: turns give no facts
        explicit("m1", "Always answer in French.", day(1));
        explicit("m2", "Please always answer in French.", day(2));
        explicit("m3", "Always answer in German from now on.", day(3));
        explicit("m4", "Ann's daughter is called Mia.", day(4));
        var out = facts();
        String french = EpisodeRecorder.recordId("acme", "m1", MemoryTier.PROCEDURAL);
        String german = EpisodeRecorder.recordId("acme", "m3", MemoryTier.PROCEDURAL);
        assertThat(out).extracting(r -> r.getRecordId() + "@" + r.getVersion()).containsExactly(french + "@1", french + "@2",
                french + "@3", german + "@1", EpisodeRecorder.recordId("acme", "m4", MemoryTier.SEMANTIC) + "@1");
        assertThat(out.get(1).getProvenance()).containsExactly("m1", "m2");
        assertThat(out.get(2).getValidTo()).isEqualTo(day(3));
        assertThat(out.get(3).getTier()).isEqualTo(MemoryTier.PROCEDURAL);
        assertThat(out.get(3).getText()).isEqualTo("Always answer in German from now on.");
        assertThat(out.get(3).getMetadata()).containsEntry("attribute", "language of replies").containsEntry("value", "german");
        assertThat(out.getLast().getTier()).isEqualTo(MemoryTier.SEMANTIC);
        assertThat(out.getLast().getImportance()).isEqualTo(0.9);
    }

    @Test
    void aReplayOfTheLogDerivesTheSameFactsVersionForVersion() {
        List<String> runs = new java.util.ArrayList<>();
        for (int run = 0; run < 2; run++) {
            start("rules");
            turn("e1", "I live in Leeds.", day(0));
            turn("e2", "My favorite food is ramen.", day(1));
            turn("e3", "I moved to York.", day(2));
            turn("e4", "My favourite food is ramen, no contest.", day(3));
            runs.add(facts().stream().map(r -> r.getRecordId() + "@" + r.getVersion() + ":" + r.getText() + ":" + r.getValidTo())
                    .toList().toString());
            harness.close();
            harness = null;
        }
        assertThat(runs.get(1)).isEqualTo(runs.get(0));
        // Leeds stated and closed, ramen stated and reinforced, York stated
        assertThat(runs.get(0)).contains("@2:Ann lives in Leeds.:" + day(2), "@2:Ann's favorite food is ramen.:null",
                "@1:Ann moved to York.:null");
    }

    @Test
    void anInstructionSaidInConversationIsAFactAboutWhoAskedNeverAStandingInstruction() {
        start("rules");
        turn("e1", "Always answer in French.", day(0));
        turn("e2", "From now on, always answer in Spanish.", day(1));
        var out = facts();

        assertThat(out).noneMatch(r -> r.getTier() == MemoryTier.PROCEDURAL);
        assertThat(out).noneMatch(r -> dev.memlog.schemas.RecordKinds.pinned(r.getTier().name(), r.getMetadata()));
        assertThat(out.getFirst().getText()).isEqualTo("Ann asked the assistant: Always answer in French.");
        assertThat(out.getFirst().getTier()).isEqualTo(MemoryTier.SEMANTIC);
        // a later request of the same kind still supersedes the earlier one
        assertThat(out).filteredOn(r -> r.getRecordId().equals(FactReconciler.recordId("acme", "e1", 0)))
                .last().satisfies(r -> assertThat(r.getValidTo()).isEqualTo(day(1)));
        assertThat(out.getLast().getText()).isEqualTo("Ann asked the assistant: From now on, always answer in Spanish.");
    }

    @Test
    void aFactSaidEveryDayKeepsItsFirstStatementAndItsLatestOnes() {
        start("rules");
        for (int i = 0; i < FactReconciler.MAX_PROVENANCE + 10; i++) {
            turn("e" + i, "I live in Leeds.", day(i));
        }
        var latest = facts().getLast();
        assertThat(latest.getProvenance()).hasSize(FactReconciler.MAX_PROVENANCE).startsWith("e0")
                .endsWith("e" + (FactReconciler.MAX_PROVENANCE + 9));
        assertThat(latest.getMetadata()).containsEntry("mentions", Integer.toString(FactReconciler.MAX_PROVENANCE + 10));
    }
}
