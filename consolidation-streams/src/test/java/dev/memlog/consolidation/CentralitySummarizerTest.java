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

    @Test
    void keepsTheTurnsMostLikeTheRestInTheOrderTheyWereSaid() {
        var turns = new ArrayList<BufferedTurn>();
        // five turns about the move (close vectors), five of chatter pointing elsewhere, each unlike the others
        for (int i = 0; i < 5; i++) {
            turns.add(turn(i, "Ann", "move " + i, 1, 0.1f * i, 0));
        }
        turns.add(turn(5, "Bo", "weather", 0, 0, 1));
        turns.add(turn(6, "Bo", "football", 0, 1, -1));
        turns.add(turn(7, "Bo", "lunch", -1, 0, 0.5f));
        turns.add(turn(8, "Bo", "traffic", 0, -1, 0));
        turns.add(turn(9, "Bo", "music", -0.5f, 0.5f, -0.5f));

        String summary = new CentralitySummarizer(5, 800).summarize(turns);

        // ten turns keep two: the two most central, both about the move, in spoken order
        assertThat(summary).startsWith("Conversation on 8 May 2023 between Ann and Bo (10 turns):");
        List<String> lines = summary.lines().skip(1).toList();
        assertThat(lines).hasSize(2).allMatch(l -> l.startsWith("Ann: move "));
        assertThat(lines.get(0).compareTo(lines.get(1))).isNegative();
    }

    @Test
    void staysWithinItsLengthAndKeepsAtLeastOneTurn() {
        String longText = "word ".repeat(400);
        String summary = new CentralitySummarizer(5, 200).summarize(List.of(turn(0, "Ann", longText, 1, 0)));
        assertThat(summary.length()).isLessThanOrEqualTo(200);
        assertThat(summary).contains("Ann: word").contains("(1 turn)");
        assertThatThrownBy(() -> new CentralitySummarizer(0, 800)).isInstanceOf(IllegalArgumentException.class);
    }
}
