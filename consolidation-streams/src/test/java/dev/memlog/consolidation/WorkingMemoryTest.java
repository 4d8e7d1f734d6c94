package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.BufferedTurn;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.SessionBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Working memory through the whole consolidation topology: the latest turns of a session within a token bound. */
class WorkingMemoryTest {
    static final Instant T0 = Instant.parse("2023-05-08T13:56:00Z");
    static final MemoryOwner ANN = MemoryOwner.of("acme", "ann", null);
    static EmbeddingProvider model;
    TopologyHarness harness;

    @BeforeAll
    static void loadModel() {
        model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
    }

    @AfterEach
    void stop() {
        harness.close();
    }

    void start(int maxTokens) {
        var format = TopologyHarness.sealedFormat();
        var topology = ConsolidationService.topology(format, ConsolidationService.Parts.turns(new EpisodeRecorder(model,
                new SignalImportanceScorer(), Clock.systemUTC()), false).withWorkingMemory(() -> new WorkingMemory(maxTokens, java.time.Duration.ofDays(30))));
        harness = TopologyHarness.open(topology, format, "working-memory-test", T0);
    }

    void turn(String id, String session, String text, Instant at) {
        harness.events().pipeInput(ANN.key(), MemoryEvent.newBuilder().setEventId(id).setTenantId("acme").setUserId("ann")
                .setSessionId(session).setKind(EventKind.TURN).setRole("user").setContent(text).setOccurredAt(at)
                .setReceivedAt(at).setMetadata(Map.of("speaker", "Ann")).build(), at);
    }

    SessionBuffer session(String id) {
        KeyValueStore<String, SessionBuffer> store = harness.driver().getKeyValueStore(WorkingMemory.STORE);
        return store.get(WorkingMemory.key(ANN, id));
    }

    @Test
    void keepsTheLatestTurnsOfEachSessionInOrderWithinTheTokenBound() {
        int perTurn = com.knuddels.jtokkit.Encodings.newLazyEncodingRegistry()
                .getEncoding(com.knuddels.jtokkit.api.EncodingType.CL100K_BASE).countTokens("this is turn 1");
        start(3 * perTurn); // three of the turns below fit
        for (int i = 1; i <= 5; i++) {
            turn("e" + i, "s1", "this is turn " + i, T0.plusSeconds(i));
        }
        turn("late", "s1", "this is turn 0", T0); // said first, arrived last: it is the oldest, so it goes
        turn("other", "s2", "another session entirely", T0);

        assertThat(session("s1").getTurns()).extracting(BufferedTurn::getText)
                .containsExactly("this is turn 3", "this is turn 4", "this is turn 5");
        assertThat(session("s2").getTurns()).extracting(BufferedTurn::getEventId).containsExactly("other");
    }

    @Test
    void aRetriedAppendIsKeptOnceAndATurnLongerThanTheBoundIsStillKept() {
        start(5);
        turn("e1", "s1", "hello there", T0);
        turn("e1", "s1", "hello there", T0);
        assertThat(session("s1").getTurns()).hasSize(1);
        turn("e2", "s1", "a much longer turn than the whole bound of five tokens", T0.plus(Duration.ofSeconds(1)));
        assertThat(session("s1").getTurns()).extracting(BufferedTurn::getEventId).containsExactly("e2");
    }

    @Test
    void aSessionQuietForTheRetentionIsDroppedAndOneStillTalkingIsKept() {
        start(2000);
        turn("e1", "old", "we spoke about the garden", T0);
        turn("e2", "recent", "and about the kitchen", T0.plus(Duration.ofDays(20)));
        turn("e3", "recent", "the tiles arrived", T0.plus(Duration.ofDays(31)));

        assertThat(session("old")).as("30 days without a turn, in platform time").isNull();
        assertThat(session("recent").getTurns()).extracting(BufferedTurn::getEventId).containsExactly("e2", "e3");
        KeyValueStore<String, dev.memlog.schemas.avro.PreviousTurn> previous = harness.driver().getKeyValueStore(TurnContext.STORE);
        assertThat(previous.get(ANN.key() + '\u001f' + "old")).isNull();
        assertThat(previous.get(ANN.key() + '\u001f' + "recent").getText()).contains("the tiles arrived");
    }
}
