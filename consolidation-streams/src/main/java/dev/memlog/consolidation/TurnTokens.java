package dev.memlog.consolidation;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.memlog.schemas.avro.BufferedTurn;

/**
 * A buffered turn's size in cl100k_base tokens, counted once as it is buffered and kept with it: a session's buffer is
 * weighed on every turn, and counting all of it again each time made that quadratic in the session's length.
 */
final class TurnTokens {
    private static final Encoding TOKENS = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

    private TurnTokens() {
    }

    static int count(String text) {
        return TOKENS.countTokens(text);
    }

    /** The kept count, or the text counted for a turn buffered before counts were kept. */
    static int of(BufferedTurn turn) {
        return turn.getTokens() >= 0 ? turn.getTokens() : count(turn.getText());
    }
}
