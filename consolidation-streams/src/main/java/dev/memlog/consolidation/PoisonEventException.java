package dev.memlog.consolidation;

/** An input no version of consolidation can derive anything from: it goes to the dead-letter topic with this reason. */
public final class PoisonEventException extends IllegalArgumentException {
    public PoisonEventException(String message) {
        super(message);
    }
}
