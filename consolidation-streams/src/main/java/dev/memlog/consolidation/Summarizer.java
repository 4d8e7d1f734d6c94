package dev.memlog.consolidation;

import dev.memlog.schemas.avro.BufferedTurn;
import java.util.List;

/** Condenses one session's turns into a short summary that keeps who said what, and when. */
public interface Summarizer {

    /**
     * @param text the summary
     * @param lineSources for an extractive summary, the event id each line after the first was taken from, in order, so
     *                    a context pack can leave out a line whose turn it already holds; empty for an abstractive one
     */
    record Summary(String text, List<String> lineSources) {
        public Summary {
            lineSources = List.copyOf(lineSources);
        }

        public static Summary abstractive(String text) {
            return new Summary(text, List.of());
        }
    }

    String name();

    /** @param turns the session's turns in the order they were said, each with its embedding; never empty */
    Summary summarize(List<BufferedTurn> turns);
}
