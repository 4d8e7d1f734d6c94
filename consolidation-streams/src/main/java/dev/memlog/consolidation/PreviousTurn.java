package dev.memlog.consolidation;

/** The turn before the current one in its session: its record id (the new record follows it) and its text. */
public record PreviousTurn(String recordId, String text) {
    private static final char SEPARATOR = '\u001f';

    /** The state-store form: record id, separator, text. */
    String encode() {
        return recordId + SEPARATOR + text;
    }

    /** Reads the state-store form; a value written before record ids were kept is text alone. */
    static PreviousTurn decode(String stored) {
        if (stored == null) {
            return null;
        }
        int at = stored.indexOf(SEPARATOR);
        return at < 0 ? new PreviousTurn(null, stored) : new PreviousTurn(stored.substring(0, at), stored.substring(at + 1));
    }
}
