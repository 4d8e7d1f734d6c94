package dev.memlog.consolidation;

/**
 * The turn before the current one in its session: its record id (the new record follows it), its text, and its own
 * vector when a context vector is made from it (empty otherwise).
 */
public record PreviousTurn(String recordId, String text, float[] vector) {
    public PreviousTurn(String recordId, String text) {
        this(recordId, text, new float[0]);
    }
}
