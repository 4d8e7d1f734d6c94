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

    /**
     * Metadata keys consolidation sets on what it derives and reads back: a client may not send them, or a turn could
     * pass for a summary, an explicit memory or a fact of another value.
     */
    public static final java.util.Set<String> RESERVED_METADATA = java.util.Set.of("kind", "pinned", LINE_SOURCES,
            "summarizer", "turns", "extractor", "subject", "attribute", "value", "negated", "superseded_by", "supersedes",
            "mentions", "source");

    private RecordKinds() {
    }

    /**
     * What an agent deliberately asked to keep ({@code POST /v1/memories}: facts and standing instructions) never
     * decays. Nothing said in conversation is pinned: an instruction-shaped turn fades like any other memory.
     */
    public static boolean pinned(String tier, java.util.Map<String, String> metadata) {
        return EXPLICIT.equals(metadata.get("kind"));
    }

    /** The metadata a client sent, without the keys consolidation reserves for itself. */
    public static java.util.Map<String, String> clientMetadata(java.util.Map<String, String> metadata) {
        if (metadata.keySet().stream().noneMatch(RESERVED_METADATA::contains)) {
            return metadata;
        }
        var kept = new java.util.LinkedHashMap<>(metadata);
        kept.keySet().removeAll(RESERVED_METADATA);
        return kept;
    }
}
