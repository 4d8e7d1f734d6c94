package dev.memlog.consolidation;

/** How much a memory is worth keeping and surfacing, in [0, 1], judged when it is derived. */
public interface ImportanceScorer {

    String name();

    /** @param text what was said or stored; @param explicit whether the agent asked for it to be remembered */
    double score(String text, boolean explicit);
}
