package dev.memlog.schemas;

/** What a derived record is, in its {@code metadata.kind}: consolidation writes these, retrieval and the harness read them. */
public final class RecordKinds {
    /** One record standing for a stretch of a session's turns. */
    public static final String SESSION_SUMMARY = "session_summary";
    /** A fact or instruction drawn from a turn. */
    public static final String FACT = "fact";
    /** A memory an agent asked to keep, reconciled like a fact. */
    public static final String EXPLICIT = "explicit";
    /**
     * Metadata of an extractive summary: the event id each line after its heading was taken from, comma-separated,
     * so a context pack can leave out a line whose turn it already holds.
     */
    public static final String LINE_SOURCES = "line_sources";

    private RecordKinds() {
    }

    /** Explicit memories, standing instructions and anything an agent marked {@code pinned} never decay. */
    public static boolean pinned(String tier, java.util.Map<String, String> metadata) {
        return "PROCEDURAL".equals(tier) || EXPLICIT.equals(metadata.get("kind")) || "true".equalsIgnoreCase(metadata.get("pinned"));
    }
}
