package dev.memlog.consolidation;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.Vectors;
import dev.memlog.schemas.RecordKinds;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/** Every appended event becomes one memory record, embedded, whose id is derived from the tenant and event id. */
public final class EpisodeRecorder {
    private final EmbeddingProvider embeddings;
    private final ImportanceScorer importance;
    private final Clock clock;
    private final int contextMaxWords;
    private final ContextVector contextVector;

    /** How a turn's context vector is made (CONTEXT_VECTOR). */
    public enum ContextVector {
        /** The model reads the previous turn and this one together: a second inference, over both texts. */
        JOINT,
        /** The mean of the two turns' own vectors, each embedded once anyway: no inference of its own. */
        MEAN
    }

    public EpisodeRecorder(EmbeddingProvider embeddings, ImportanceScorer importance, Clock clock) {
        this(embeddings, importance, clock, Integer.MAX_VALUE, ContextVector.JOINT);
    }

    /**
     * @param contextMaxWords a turn of more words than this is embedded alone: it says enough by itself, and its
     *                        context vector would cost the most (CONTEXT_VECTOR_MAX_WORDS)
     */
    public EpisodeRecorder(EmbeddingProvider embeddings, ImportanceScorer importance, Clock clock, int contextMaxWords,
                           ContextVector contextVector) {
        if (contextMaxWords < 0) {
            throw new IllegalArgumentException("CONTEXT_VECTOR_MAX_WORDS must not be negative");
        }
        this.embeddings = embeddings;
        this.importance = importance;
        this.clock = clock;
        this.contextMaxWords = contextMaxWords;
        this.contextVector = contextVector;
    }

    /** Whether the next turn needs this turn's own vector: a session's state then keeps it. */
    public boolean keepsTurnVectors() {
        return contextVector == ContextVector.MEAN;
    }

    /** Words as whitespace separates them, counted up to {@code limit + 1}. */
    static int words(String text, int limit) {
        int words = 0;
        boolean inWord = false;
        for (int i = 0; i < text.length() && words <= limit; i++) {
            boolean space = Character.isWhitespace(text.charAt(i));
            if (!space && !inWord) {
                words++;
            }
            inWord = !space;
        }
        return words;
    }

    /**
     * Ids are name-based UUIDs of (tenant, event id, tier): a retried append with the same event id, or a replay
     * of the log, yields the same id and so overwrites rather than duplicates; equal client ids in two tenants
     * never collide.
     */
    public static String recordId(String tenantId, String eventId, MemoryTier tier) {
        String name = tenantId + '\u001f' + eventId + '\u001f' + tier.name();
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    public MemoryRecord record(MemoryEvent event) {
        return record(event, null, false);
    }

    /**
     * @param previous the session's turn before this one, which the new record follows, or null
     * @param embedWithPrevious whether the turn is also embedded after the previous one, as its context
     */
    public MemoryRecord record(MemoryEvent event, PreviousTurn previous, boolean embedWithPrevious) {
        // explicit memories are statements the agent chose to keep: semantic tier, and the scorer rates them high
        boolean explicit = event.getKind() == EventKind.EXPLICIT_MEMORY;
        MemoryTier tier = explicit ? MemoryTier.SEMANTIC : MemoryTier.EPISODIC;
        // the turn alone keeps its own meaning precise; with the previous turn it also carries what it answers
        boolean withContext = previous != null && embedWithPrevious && words(event.getContent(), contextMaxWords) <= contextMaxWords;
        float[] vector;
        List<Float> contextVector;
        if (!withContext) {
            vector = embeddings.embedDocuments(List.of(embeddingText(event))).getFirst();
            contextVector = List.of();
        } else if (meanOf(previous)) {
            vector = embeddings.embedDocuments(List.of(embeddingText(event))).getFirst();
            contextVector = Vectors.toList(Vectors.normalizedSum(previous.vector(), vector));
        } else {
            List<float[]> both = embeddings.embedDocuments(List.of(embeddingText(event), previous.text() + "\n" + embeddingText(event)));
            vector = both.getFirst();
            contextVector = Vectors.toList(both.get(1));
        }
        Instant observed = event.getOccurredAt();
        return MemoryRecord.newBuilder()
                .setRecordId(recordId(event.getTenantId(), event.getEventId(), tier))
                .setTenantId(event.getTenantId())
                .setUserId(event.getUserId())
                .setAgentId(event.getAgentId())
                .setSessionId(event.getSessionId())
                .setTier(tier)
                .setRole(event.getRole())
                .setText(event.getContent())
                .setEmbedding(Vectors.toList(vector))
                .setContextEmbedding(contextVector)
                .setEmbeddingModel(embeddings.modelId())
                .setImportance(importance.score(event.getContent(), explicit))
                .setObservedAt(observed)
                .setCreatedAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setValidFrom(observed)
                .setValidTo(null)
                .setProvenance(List.of(event.getEventId()))
                .setVersion(1)
                // what a client sent, never the keys consolidation reserves (an event written past ingest may carry them)
                .setMetadata(RecordKinds.clientMetadata(event.getMetadata()))
                .setFollows(previous == null ? null : previous.recordId())
                .build();
    }

    // state written without the previous turn's vector (before CONTEXT_VECTOR=mean) is read jointly instead
    private boolean meanOf(PreviousTurn previous) {
        return contextVector == ContextVector.MEAN && previous.vector().length == embeddings.dimension();
    }

    /** The speaker's name, when the caller gave one, is part of what a turn is about ("What did Ann research?"). */
    public static String embeddingText(MemoryEvent event) {
        String speaker = event.getMetadata().get("speaker");
        return speaker == null || speaker.isBlank() ? event.getContent() : speaker + ": " + event.getContent();
    }
}
