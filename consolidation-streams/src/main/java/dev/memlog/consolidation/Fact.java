package dev.memlog.consolidation;

import dev.memlog.schemas.avro.MemoryTier;
import java.util.Locale;

/**
 * One statement worth keeping, drawn from what someone said: a fact about them (semantic) or a standing
 * instruction (procedural). {@code subject} and {@code attribute} form its key when one can be derived ("Ann",
 * "lives in"), so a later statement with the same key and another value replaces it.
 *
 * @param statement the fact as a sentence that stands on its own
 * @param negated whether it is stated in the negative ("no longer eats meat"), for contradictions without a key
 */
public record Fact(MemoryTier tier, String subject, String attribute, String value, String statement, boolean negated) {

    public Fact {
        if (tier != MemoryTier.SEMANTIC && tier != MemoryTier.PROCEDURAL) {
            throw new IllegalArgumentException("a fact is semantic or procedural, not " + tier);
        }
        if (statement == null || statement.isBlank()) {
            throw new IllegalArgumentException("a fact needs a statement");
        }
    }

    public Fact withStatement(String newStatement) {
        return new Fact(tier, subject, attribute, value, newStatement, negated);
    }

    /** The subject/attribute key in a normal form, or null when the fact has none. */
    public String key() {
        if (subject == null || subject.isBlank() || attribute == null || attribute.isBlank()) {
            return null;
        }
        return normal(subject) + '\u001f' + normal(attribute);
    }

    public boolean sameValue(String other) {
        return value != null && other != null && normal(value).equals(normal(other));
    }

    static String normal(String s) {
        return s.strip().toLowerCase(Locale.ROOT).replaceAll("[\\s\\p{Punct}]+", " ").strip();
    }
}
