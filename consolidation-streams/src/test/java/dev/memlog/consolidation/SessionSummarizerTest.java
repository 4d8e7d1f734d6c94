package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.BufferedTurn;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Session summaries through the whole consolidation topology, with the real local model. */
class SessionSummarizerTest {
    static final Instant T0 = Instant.parse("2023-05-08T13:56:00Z");
    static final Duration GAP = Duration.ofMinutes(30);
    static EmbeddingProvider model;

    TopologyTestDriver driver;
    TestInputTopic<String, MemoryEvent> events;
    TestOutputTopic<String, MemoryRecord> records;

    @BeforeAll
    static void loadModel() {
        model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
    }

    static CentralitySummarizer extractive() {
        return new CentralitySummarizer(6, 700, new SignalImportanceScorer());
    }

    void start(Summarizer summarizer, int maxTokens) {
        var format = TopologyHarness.sealedFormat();
        var settings = new SessionSummarizer.Settings(GAP, Duration.ofMinutes(10), maxTokens, Duration.ofMinutes(1), 3);
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        var topology = ConsolidationService.topology(format, ConsolidationService.Parts.turns(
                new EpisodeRecorder(model, new SignalImportanceScorer(), clock), true)
                .withSummaries(() -> new SessionSummarizer(summarizer, extractive(), model, settings, clock)));
        var harness = TopologyHarness.open(topology, format, "summaries-test", T0);
        driver = harness.driver();
        events = harness.events();
        records = harness.records();
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    void turn(String id, String session, String speaker, String text, Instant at) {
        turn("ann", id, session, speaker, text, at, at);
    }

    /** A turn of {@code user} said at {@code at} and received by the platform at {@code received}. */
    void turn(String user, String id, String session, String speaker, String text, Instant at, Instant received) {
        var event = MemoryEvent.newBuilder().setEventId(id).setTenantId("acme").setUserId(user).setSessionId(session)
                .setKind(EventKind.TURN).setRole("user").setContent(text).setOccurredAt(at).setReceivedAt(received)
                .setMetadata(Map.of("speaker", speaker)).build();
        events.pipeInput(MemoryOwner.of("acme", user, null).key(), event, received);
    }

    void explicit(String id, String text, Instant at) {
        var event = MemoryEvent.newBuilder().setEventId(id).setTenantId("acme").setUserId("ann").setSessionId("s1")
                .setKind(EventKind.EXPLICIT_MEMORY).setContent(text).setOccurredAt(at).setReceivedAt(at).build();
        events.pipeInput(MemoryOwner.of("acme", "ann", null).key(), event, at);
    }

    List<MemoryRecord> summaries() {
        return records.readValuesToList().stream()
                .filter(r -> SessionSummarizer.KIND.equals(r.getMetadata().get("kind"))).toList();
    }

    void flatSession() {
        turn("e1", "s1", "Ann", "We finally moved into the new flat in Leeds last weekend.", T0);
        turn("e2", "s1", "Bo", "Congratulations! How is the new place?", T0.plusSeconds(60));
        turn("e3", "s1", "Ann", "The flat is lovely, close to the canal, and the rent is lower than in London.", T0.plusSeconds(120));
    }

    @Test
    void aSessionIsSummarizedOnceItGoesQuietInEventTime() {
        start(extractive(), 2000);
        flatSession();
        explicit("m1", "Ann is allergic to peanuts", T0.plusSeconds(150));
        assertThat(summaries()).isEmpty();

        // a turn of another session two hours later moves stream time past the gap
        turn("e4", "s2", "Ann", "Good morning!", T0.plus(Duration.ofHours(2)));

        List<MemoryRecord> out = summaries();
        assertThat(out).hasSize(1);
        MemoryRecord summary = out.getFirst();
        assertThat(summary.getProvenance()).containsExactly("e1", "e2", "e3");
        assertThat(summary.getSessionId()).isEqualTo("s1");
        assertThat(summary.getTier()).isEqualTo(MemoryTier.EPISODIC);
        assertThat(summary.getValidFrom()).isEqualTo(T0);
        assertThat(summary.getObservedAt()).isEqualTo(T0.plusSeconds(120));
        // Ann's move is the weightiest statement: retold about her, its "last weekend" dated; the line names its turn
        assertThat(summary.getText()).startsWith("Conversation on 8 May 2023 between Ann and Bo (3 turns):")
                .contains("Ann: We finally moved into the new flat in Leeds last weekend (the weekend before 8 May 2023).");
        assertThat(summary.getMetadata().get(SessionSummarizer.LINE_SOURCES)).isEqualTo("e1");
        assertThat(summary.getEmbedding()).hasSize(384);
        assertThat(summary.getMetadata()).containsEntry("summarizer", "centrality").containsEntry("turns", "3");
        assertThat(summary.getRecordId())
                .isEqualTo(SessionSummarizer.recordId("acme", MemoryOwner.of("acme", "ann", null).key(), "s1", "e1"));
    }

    @Test
    void aSessionNothingFollowsIsSummarizedWhenTheWallClockSaysItIsIdle() {
        start(extractive(), 2000);
        flatSession();
        driver.advanceWallClockTime(Duration.ofMinutes(5));
        assertThat(summaries()).isEmpty();

        driver.advanceWallClockTime(Duration.ofMinutes(7));

        assertThat(summaries()).singleElement().satisfies(s -> assertThat(s.getProvenance()).hasSize(3));
        driver.advanceWallClockTime(Duration.ofMinutes(30));
        assertThat(summaries()).as("a summarized session is not summarized again").isEmpty();
    }

    @Test
    void aSessionThatResumesAfterTheGapIsSummarizedInStretches() {
        start(extractive(), 2000);
        flatSession();
        turn("e5", "s1", "Bo", "Back again: did the landlord fix the heating?", T0.plus(Duration.ofHours(3)));

        assertThat(summaries()).singleElement().satisfies(s -> assertThat(s.getProvenance()).containsExactly("e1", "e2", "e3"));
        turn("e6", "s1", "Ann", "Yes, on Tuesday.", T0.plus(Duration.ofHours(3)).plusSeconds(30));
        turn("e7", "s1", "Bo", "Good, it was cold last winter.", T0.plus(Duration.ofHours(3)).plusSeconds(60));
        driver.advanceWallClockTime(Duration.ofMinutes(12));
        assertThat(summaries()).singleElement().satisfies(s -> assertThat(s.getProvenance()).containsExactly("e5", "e6", "e7"));
    }

    @Test
    void aStretchTooShortToNeedASummaryHasNoneAndSmallTalkIsSummarizedAsSmallTalk() {
        start(extractive(), 2000);
        flatSession();
        turn("a1", "s3", "Ann", "My sister Jane lives in Oslo now.", T0.plusSeconds(200));
        turn("a2", "s3", "Bo", "Oh nice.", T0.plusSeconds(230));
        turn("b1", "s2", "Ann", "Okay, thanks!", T0.plus(Duration.ofHours(1)));
        turn("b2", "s2", "Bo", "Thank you!", T0.plus(Duration.ofHours(1)).plusSeconds(30));
        turn("b3", "s2", "Ann", "Bye!", T0.plus(Duration.ofHours(1)).plusSeconds(60));
        driver.advanceWallClockTime(Duration.ofMinutes(12));

        List<MemoryRecord> out = summaries();
        assertThat(out).as("two turns say it themselves: only the three-turn stretches are summarized")
                .extracting(MemoryRecord::getSessionId).containsExactlyInAnyOrder("s1", "s2");
        assertThat(out).allSatisfy(r -> assertThat(r.getProvenance()).hasSize(3));
        MemoryRecord smallTalk = out.stream().filter(r -> r.getSessionId().equals("s2")).findFirst().orElseThrow();
        MemoryRecord move = out.stream().filter(r -> r.getSessionId().equals("s1")).findFirst().orElseThrow();
        assertThat(smallTalk.getImportance()).as("its weightiest turn's importance and a little more").isLessThan(0.3);
        assertThat(move.getImportance()).isEqualTo(SessionSummarizer.SUMMARY_IMPORTANCE_CAP);
    }

    @Test
    void aLongSessionIsSummarizedEachTimeItOutgrowsTheTokenBound() {
        start(extractive(), 30);
        flatSession(); // about 45 tokens: the third turn crosses 30

        assertThat(summaries()).singleElement().satisfies(s -> assertThat(s.getProvenance()).containsExactly("e1", "e2", "e3"));
        turn("e4", "s1", "Bo", "Nice.", T0.plusSeconds(180));
        assertThat(summaries()).isEmpty();
    }

    @Test
    void whenTheChosenSummarizerFailsTheFallbackWritesTheSummary() {
        start(new Summarizer() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public Summary summarize(List<BufferedTurn> turns) {
                throw new IllegalStateException("endpoint down");
            }
        }, 2000);
        flatSession();
        driver.advanceWallClockTime(Duration.ofMinutes(12));

        assertThat(summaries()).singleElement().satisfies(s -> {
            assertThat(s.getMetadata()).containsEntry("summarizer", "centrality");
            assertThat(s.getText()).contains("Ann");
        });
    }

    @Test
    void replayingTheSameEventsGivesTheSameSummaries() {
        start(extractive(), 2000);
        flatSession();
        driver.advanceWallClockTime(Duration.ofMinutes(12));
        MemoryRecord first = summaries().getFirst();
        driver.close();

        start(extractive(), 2000);
        flatSession();
        driver.advanceWallClockTime(Duration.ofMinutes(12));
        MemoryRecord second = summaries().getFirst();

        assertThat(second.getRecordId()).isEqualTo(first.getRecordId());
        assertThat(second.getText()).isEqualTo(first.getText());
        assertThat(second.getProvenance()).isEqualTo(first.getProvenance());
    }

    @Test
    void aRetriedTurnIsBufferedOnceAndATurnAlreadySummarizedIsNotSummarizedAgain() {
        start(extractive(), 2000);
        flatSession();
        turn("e2", "s1", "Bo", "Congratulations! How is the new place?", T0.plusSeconds(60)); // a retried append
        driver.advanceWallClockTime(Duration.ofMinutes(12));
        assertThat(summaries()).singleElement().satisfies(s -> assertThat(s.getProvenance()).containsExactly("e1", "e2", "e3"));

        turn("e3", "s1", "Ann", "The flat is lovely, close to the canal, and the rent is lower than in London.",
                T0.plusSeconds(120)); // retried again, after its session was summarized
        turn("e4", "s1", "Bo", "Lucky you.", T0.plusSeconds(150));
        turn("e5", "s1", "Ann", "Yes!", T0.plusSeconds(160));
        driver.advanceWallClockTime(Duration.ofMinutes(12));
        assertThat(summaries()).as("e3 is not taken into a second stretch").isEmpty();
    }

    @Test
    void anotherClientsClockNeverClosesASession() {
        start(extractive(), 2000);
        Instant now = Instant.parse("2026-11-30T10:00:00Z");
        // Ann's history from 2023, loaded now; Bo talks live in the same partition meanwhile
        turn("ann", "h1", "s1", "Ann", "We finally moved into the new flat in Leeds last weekend.", T0, now);
        turn("ann", "h2", "s1", "Bo", "Congratulations! How is the new place?", T0.plusSeconds(60), now.plusSeconds(1));
        turn("bo", "live", "b1", "Bo", "Good morning!", now.plusSeconds(2), now.plusSeconds(2));
        turn("ann", "h3", "s1", "Ann", "Lovely, close to the canal.", T0.plusSeconds(120), now.plusSeconds(3));
        driver.advanceWallClockTime(Duration.ofMinutes(12));

        assertThat(summaries()).singleElement().satisfies(s -> assertThat(s.getProvenance()).containsExactly("h1", "h2", "h3"));
    }

    @Test
    void aSessionQuietForTheIdleTimeClosesWhereAReplayClosesIt() {
        Instant received = Instant.parse("2026-11-30T10:00:00Z");
        List<List<String>> runs = new java.util.ArrayList<>();
        for (boolean live : new boolean[] {true, false}) {
            start(extractive(), 2000);
            turn("ann", "e1", "s1", "Ann", "We finally moved into the new flat in Leeds last weekend.", received, received);
            turn("ann", "e2", "s1", "Bo", "Congratulations! How is the new place?", received.plusSeconds(60), received.plusSeconds(60));
            turn("ann", "e3", "s1", "Ann", "Lovely, close to the canal.", received.plusSeconds(120), received.plusSeconds(120));
            if (live) {
                driver.advanceWallClockTime(Duration.ofMinutes(12)); // nothing else arrives: the wall clock closes it
            }
            // fifteen minutes later, within the 30-minute gap but past the 10-minute idle time
            Instant later = received.plus(Duration.ofMinutes(17));
            turn("ann", "e4", "s1", "Ann", "Anyway, the heating works again.", later, later);
            turn("ann", "e5", "s1", "Bo", "Good to hear.", later.plusSeconds(10), later.plusSeconds(10));
            turn("ann", "e6", "s1", "Ann", "See you soon.", later.plusSeconds(20), later.plusSeconds(20));
            turn("bo", "b1", "b1", "Bo", "Hello.", later.plus(Duration.ofMinutes(15)), later.plus(Duration.ofMinutes(15)));
            runs.add(summaries().stream().map(r -> String.join(",", r.getProvenance())).toList());
            driver.close();
            driver = null;
        }
        assertThat(runs.get(0)).containsExactly("e1,e2,e3", "e4,e5,e6");
        assertThat(runs.get(1)).isEqualTo(runs.get(0));
    }
}
