package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.schemas.avro.BufferedTurn;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TurnTokensTest {
    static BufferedTurn turn(String text, int tokens) {
        return BufferedTurn.newBuilder().setEventId("e").setText(text).setOccurredAt(Instant.EPOCH).setEmbedding(List.of())
                .setTokens(tokens).build();
    }

    @Test
    void aBufferedTurnKeepsItsCountAndOneBufferedBeforeCountsWereKeptIsCounted() {
        String text = "Did you find a flat in Leeds? \\d+$ (a|b)* \u0000";
        int counted = TurnTokens.count(text);
        assertThat(counted).isGreaterThan(10);
        assertThat(TurnTokens.of(turn(text, 3))).as("the kept count, not the text counted again").isEqualTo(3);
        assertThat(TurnTokens.of(turn(text, -1))).isEqualTo(counted);
        assertThat(BufferedTurn.newBuilder().setEventId("e").setText(text).setOccurredAt(Instant.EPOCH).setEmbedding(List.of())
                .build().getTokens()).as("state written before the field").isEqualTo(-1);
    }
}
