package dev.memlog.registry;

import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;

/** A subject's compatibility level: which earlier versions a new schema must be able to read, or be read by. */
public enum Compatibility {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    public static Compatibility parse(String level) {
        try {
            return valueOf(level.trim().toUpperCase());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new RegistryException(422, 42203, "Invalid compatibility level: " + level);
        }
    }

    /**
     * @param earlier the subject's versions, oldest first
     * @return the reasons the candidate is refused; empty when it is compatible
     */
    public List<String> violations(Schema candidate, List<Schema> earlier) {
        if (this == NONE || earlier.isEmpty()) {
            return List.of();
        }
        boolean transitive = name().endsWith("_TRANSITIVE");
        List<Schema> against = transitive ? earlier : List.of(earlier.getLast());
        boolean backward = this != FORWARD && this != FORWARD_TRANSITIVE;
        boolean forward = this != BACKWARD && this != BACKWARD_TRANSITIVE;
        return against.stream().flatMap(old -> {
            var reasons = new java.util.ArrayList<String>();
            if (backward) {
                reasons.addAll(check(candidate, old, "new schema cannot read data written with an earlier one"));
            }
            if (forward) {
                reasons.addAll(check(old, candidate, "an earlier schema cannot read data written with the new one"));
            }
            return reasons.stream();
        }).toList();
    }

    private static List<String> check(Schema reader, Schema writer, String what) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
        if (result.getCompatibility() == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return List.of();
        }
        return result.getIncompatibilities().stream()
                .map(i -> what + ": " + i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")")
                .toList();
    }
}
