package dev.memlog.schemas;

import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One derivation of memory from the log: what a consolidation with its own rules and embedding model writes, in
 * topics of its own, so that a second derivation (a new model, a changed rule) can run beside the first from the start
 * of memory.events until it has caught up, and replace it. The first derivation has no name and writes
 * {@code memory.records} and {@code memory.strength}; a derivation named {@code d} writes {@code memory.records.d} and
 * {@code memory.strength.d}.
 */
public record Derivation(String name) {
    /** Lower-case letters, digits and dashes: it becomes part of topic names and a consumer group. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");
    public static final Derivation FIRST = new Derivation("");

    public Derivation {
        if (name == null || !(name.isEmpty() || NAME.matcher(name).matches())) {
            throw new IllegalArgumentException("a derivation name is 1 to 40 lower-case letters, digits and dashes,"
                    + " starting with a letter or digit");
        }
    }

    /** The derivation named by a setting: none (null or blank) is the first. */
    public static Derivation of(String name) {
        return name == null || name.isBlank() ? FIRST : new Derivation(name.strip());
    }

    public boolean first() {
        return name.isEmpty();
    }

    /** The memory records it derives, every version kept. */
    public Topic<String, MemoryRecord> records() {
        return first() ? Topics.MEMORY_RECORDS : suffixed(Topics.MEMORY_RECORDS);
    }

    /** The use histories it derives. */
    public Topic<String, MemoryStrength> strength() {
        return first() ? Topics.MEMORY_STRENGTH : suffixed(Topics.MEMORY_STRENGTH);
    }

    public List<Topic<String, ?>> outputs() {
        return List.of(records(), strength());
    }

    /** The consolidation's Kafka Streams application id when its settings name none. */
    public String consolidationApplicationId() {
        return first() ? "memlog-consolidation" : "memlog-consolidation-" + name;
    }

    private <V extends org.apache.avro.specific.SpecificRecord> Topic<String, V> suffixed(Topic<String, V> topic) {
        return new Topic<>(topic.name() + "." + name, topic.keySerde(), topic.valueType(), topic.config());
    }

    @Override
    public String toString() {
        return first() ? "the first derivation" : "derivation " + name;
    }
}
