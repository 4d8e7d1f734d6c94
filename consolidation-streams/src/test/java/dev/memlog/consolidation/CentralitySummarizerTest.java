package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.schemas.avro.BufferedTurn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CentralitySummarizerTest {
    static final Instant DAY = Instant.parse("2023-05-08T13:56:00Z");

    static BufferedTurn turn(int i, String speaker, String text, float... embedding) {
        List<Float> v = new ArrayList<>();
        for (float f : embedding) {
            v.add(f);
        }
        return BufferedTurn.newBuilder().setEventId("e" + i).setSpeaker(speaker).setText(text)
                .setOccurredAt(DAY.plusSeconds(i)).setEmbedding(v).build();
    }

    static CentralitySummarizer summarizer(int maxLines, int maxChars) {
        return new CentralitySummarizer(maxLines, maxChars, new SignalImportanceScorer());
    }

    @Test
    void keepsTheWeightiestStatementsOfTheCentralTurnsRetoldAndInSpokenOrder() {
        var turns = new ArrayList<BufferedTurn>();
        // four turns about the move (close vectors), four of chatter pointing elsewhere, each unlike the others
        turns.add(turn(0, "Ann", "Hi Bo! Guess what? We moved to Leeds last weekend.", 1, 0, 0));
        turns.add(turn(1, "Bo", "Wow, how is the new place in Leeds?", 1, 0.1f, 0));
        turns.add(turn(2, "Ann", "I love the flat. My rent is lower than in London!", 1, 0.2f, 0));
        turns.add(turn(3, "Bo", "Moving is a lot of work though.", 1, 0.3f, 0));
        turns.add(turn(4, "Bo", "The weather is odd today.", 0, 0, 1));
        turns.add(turn(5, "Ann", "Football was on all night.", 0, 1, -1));
        turns.add(turn(6, "Bo", "Lunch was a sandwich.", -1, 0, 0.5f));
        turns.add(turn(7, "Ann", "Traffic is bad again.", 0, -1, 0));

        var summary = summarizer(6, 700).summarize(turns);

        // eight turns keep two statements: Ann's, from the central turns, the question skipped, each about its speaker
        assertThat(summary.text()).isEqualTo("""
                Conversation on 8 May 2023 between Ann and Bo (8 turns):
                Ann: We moved to Leeds last weekend (the weekend before 8 May 2023).
                Ann loves the flat.""");
        assertThat(summary.lineSources()).containsExactly("e0", "e2");
    }

    @Test
    void staysWithinItsLengthAndASessionOfQuestionsIsStillSummarized() {
        String longText = "I walked " + "a long way and ".repeat(100) + "home.";
        var summary = summarizer(6, 200).summarize(List.of(turn(0, "Ann", longText, 1, 0)));
        assertThat(summary.text().length()).isLessThanOrEqualTo(200);
        assertThat(summary.text()).contains("(1 turn)").contains("Ann walked");

        var questions = summarizer(6, 200).summarize(List.of(turn(0, "Ann", "How are you?", 1, 0), turn(1, "Bo", "Fine?", 1, 0)));
        assertThat(questions.text()).contains("(2 turns)").containsAnyOf("How are you?", "Fine?");
        assertThat(questions.lineSources()).hasSize(1);
        assertThatThrownBy(() -> summarizer(0, 800)).isInstanceOf(IllegalArgumentException.class);
    }
}
