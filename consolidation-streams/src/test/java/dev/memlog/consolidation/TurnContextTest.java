package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.Vectors;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With EMBED_PREVIOUS_TURN on, each turn is also embedded after the previous turn of its own session, and only that. */
class TurnContextTest {

    /** Records what it was asked to embed; the vectors themselves do not matter here. */
    static final class RecordingProvider implements EmbeddingProvider {
        final List<String> inputs = new ArrayList<>();

        @Override
        public String modelId() {
            return "recording";
        }

        @Override
        public int dimension() {
            return 2;
        }

        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            inputs.addAll(texts);
            return texts.stream().map(t -> new float[] {t.length(), 1}).toList();
        }

        @Override
        public float[] embedQuery(String query) {
            return new float[] {query.length(), 1};
        }
    }

    static MemoryEvent turn(String id, String session, String speaker, String content) {
        return MemoryEvent.newBuilder().setEventId(id).setTenantId("acme").setUserId("u").setSessionId(session)
                .setKind(EventKind.TURN).setRole("user").setContent(content).setOccurredAt(Instant.EPOCH)
                .setReceivedAt(Instant.EPOCH).setMetadata(Map.of("speaker", speaker)).build();
    }

    List<String> embeddedInputs(boolean withPreviousTurn, MemoryEvent... events) {
        var provider = new RecordingProvider();
        derive(provider, withPreviousTurn, events);
        return provider.inputs;
    }

    List<MemoryRecord> derive(EmbeddingProvider provider, boolean withPreviousTurn, MemoryEvent... events) {
        return derive(new EpisodeRecorder(provider, new SignalImportanceScorer(), Clock.systemUTC()), withPreviousTurn, events);
    }

    List<MemoryRecord> derive(EpisodeRecorder recorder, boolean withPreviousTurn, MemoryEvent... events) {
        var format = TopologyHarness.sealedFormat();
        var topology = ConsolidationService.topology(format, ConsolidationService.Parts.turns(recorder, withPreviousTurn));
        try (var harness = TopologyHarness.open(topology, format, "turn-context-test", Instant.now())) {
            for (var event : events) {
                harness.events().pipeInput(MemoryOwner.of("acme", "u", null).key(), event);
            }
            List<MemoryRecord> records = harness.records().readValuesToList();
            assertThat(records).hasSize(events.length);
            // the stored text is the turn itself, whatever the embedding saw
            for (int i = 0; i < events.length; i++) {
                assertThat(records.get(i).getText()).isEqualTo(events[i].getContent());
            }
            return records;
        }
    }

    @Test
    void eachTurnIsAlsoEmbeddedAfterThePreviousTurnOfItsSession() {
        var inputs = embeddedInputs(true,
                turn("1", "s1", "Ann", "Did you find a flat?"),
                turn("2", "s2", "Bo", "Unrelated session"),
                turn("3", "s1", "Bo", "Yes, in Leeds."));

        assertThat(inputs).containsExactly(
                "Ann: Did you find a flat?",
                "Bo: Unrelated session",
                "Bo: Yes, in Leeds.",
                "Ann: Did you find a flat?\nBo: Yes, in Leeds.");
    }

    @Test
    void eachTurnFollowsThePreviousTurnOfItsOwnSessionWhateverTheEmbeddingSetting() {
        for (boolean withPreviousTurn : new boolean[] {true, false}) {
            var records = derive(new RecordingProvider(), withPreviousTurn,
                    turn("1", "s1", "Ann", "Did you find a flat?"),
                    turn("2", "s2", "Bo", "Unrelated session"),
                    turn("3", "s1", "Bo", "Yes, in Leeds."),
                    turn("4", "s1", "Ann", "Great!"));

            assertThat(records.get(0).getFollows()).isNull();
            assertThat(records.get(1).getFollows()).isNull();
            assertThat(records.get(2).getFollows()).isEqualTo(records.get(0).getRecordId());
            assertThat(records.get(3).getFollows()).isEqualTo(records.get(2).getRecordId());
        }
    }

    @Test
    void withoutTheSettingEachTurnIsEmbeddedAlone() {
        var inputs = embeddedInputs(false,
                turn("1", "s1", "Ann", "Did you find a flat?"),
                turn("2", "s1", "Bo", "Yes, in Leeds."));

        assertThat(inputs).containsExactly("Ann: Did you find a flat?", "Bo: Yes, in Leeds.");
    }

    @Test
    void withMeanContextVectorsEachTurnIsEmbeddedOnceAndItsContextIsTheMeanOfItAndTheTurnBefore() {
        var provider = new RecordingProvider();
        var recorder = new EpisodeRecorder(provider, new SignalImportanceScorer(), Clock.systemUTC(), Integer.MAX_VALUE,
                EpisodeRecorder.ContextVector.MEAN);
        var records = derive(recorder, true,
                turn("1", "s1", "Ann", "Did you find a flat?"),
                turn("2", "s2", "Bo", "Unrelated session"),
                turn("3", "s1", "Bo", "Yes, in Leeds."));

        assertThat(provider.inputs).containsExactly("Ann: Did you find a flat?", "Bo: Unrelated session", "Bo: Yes, in Leeds.");
        assertThat(records.get(0).getContextEmbedding()).isEmpty();
        assertThat(records.get(1).getContextEmbedding()).as("the first turn of its own session").isEmpty();
        // the turn before it, kept sealed in the session's state, comes back as it was embedded
        float[] expected = Vectors.normalizedSum(Vectors.toArray(records.get(0).getEmbedding()),
                Vectors.toArray(records.get(2).getEmbedding()));
        assertThat(Vectors.toArray(records.get(2).getContextEmbedding())).containsExactly(expected);
    }
}
