package dev.memlog.consolidation;

import dev.memlog.schemas.avro.BufferedTurn;
import java.util.List;

/** Condenses one session's turns into a short summary that keeps who said what, and when. */
public interface Summarizer {

    String name();

    /** @param turns the session's turns in the order they were said, each with its embedding; never empty */
    String summarize(List<BufferedTurn> turns);
}
