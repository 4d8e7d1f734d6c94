package dev.memlog.consolidation;

/** The turn before the current one in its session: its record id (the new record follows it) and its text. */
public record PreviousTurn(String recordId, String text) {
}
