package dev.memlog.consolidation;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.Vectors;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.RecordKinds;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.BufferedTurn;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.avro.SessionBuffer;
import dev.memlog.schemas.registry.SchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's turns are buffered until it goes quiet (no turn for the inactivity gap, in event time or on the wall
 * clock) or outgrows a token bound; then one summary record covers them, their event ids as its provenance.
 */
public final class SessionSummarizer implements Processor<String, MemoryRecord, String, MemoryRecord> {
    private static final Logger log = LoggerFactory.getLogger(SessionSummarizer.class);
    public static final String STORE = Topics.SESSION_BUFFERS.name();
    public static final String KIND = RecordKinds.SESSION_SUMMARY;
    static final String LINE_SOURCES = RecordKinds.LINE_SOURCES;
    /**
     * A summary is worth its weightiest turn and a little more, for standing for a whole stretch, but never more than
     * this: less than an explicit memory. A stretch of small talk stays small talk and fades like it.
     */
    static final double SUMMARY_IMPORTANCE_CAP = 0.6;
    static final double SUMMARY_IMPORTANCE_LIFT = 0.1;
    private static final Encoding TOKENS = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

    /**
     * @param gap a later turn this long after the last one starts a new stretch of the session (event time)
     * @param idle a session with no new turn for this long on the wall clock is summarized even if nothing else arrives
     * @param maxTokens a session buffered past this many tokens is summarized at once
     * @param checkEvery how often quiet sessions are looked for
     * @param minTurns a stretch of fewer turns is not summarized: its turns say it themselves
     */
    public record Settings(Duration gap, Duration idle, int maxTokens, Duration checkEvery, int minTurns) {
        public Settings {
            if (gap.isNegative() || gap.isZero() || idle.isNegative() || idle.isZero() || maxTokens < 1
                    || checkEvery.isNegative() || checkEvery.isZero() || minTurns < 1) {
                throw new IllegalArgumentException(
                        "session gap, idle time, token bound, check interval and minimum turns must be positive");
            }
        }
    }

    private final Summarizer summarizer;
    private final Summarizer fallback;
    private final EmbeddingProvider embeddings;
    private final Settings settings;
    private final Clock clock;
    private ProcessorContext<String, MemoryRecord> context;
    private KeyValueStore<String, SessionBuffer> buffers;

    /** @param fallback writes the summary when {@code summarizer} fails (a model endpoint down), so no session is lost */
    public SessionSummarizer(Summarizer summarizer, Summarizer fallback, EmbeddingProvider embeddings, Settings settings,
                             Clock clock) {
        this.summarizer = summarizer;
        this.fallback = fallback;
        this.embeddings = embeddings;
        this.settings = settings;
        this.clock = clock;
    }

    public static StoreBuilder<KeyValueStore<String, SessionBuffer>> store(SchemaRegistry registry) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                Topics.SESSION_BUFFERS.valueSerde(registry));
    }

    @Override
    public void init(ProcessorContext<String, MemoryRecord> context) {
        this.context = context;
        this.buffers = context.getStateStore(STORE);
        context.schedule(settings.checkEvery(), PunctuationType.STREAM_TIME, streamTime ->
                close(b -> last(b).getOccurredAt().plus(settings.gap()).toEpochMilli() <= streamTime));
        context.schedule(settings.checkEvery(), PunctuationType.WALL_CLOCK_TIME, now ->
                close(b -> b.getLastBufferedAt().plus(settings.idle()).toEpochMilli() <= now));
    }

    @Override
    public void process(Record<String, MemoryRecord> record) {
        MemoryRecord turn = record.value();
        if (turn.getTier() != MemoryTier.EPISODIC || turn.getSessionId() == null
                || KIND.equals(turn.getMetadata().get("kind")) || turn.getProvenance().isEmpty()) {
            return;
        }
        String key = MemoryOwner.of(turn.getTenantId(), turn.getUserId(), turn.getAgentId()).key() + '\u001f'
                + turn.getSessionId();
        SessionBuffer buffer = buffers.get(key);
        if (buffer != null && last(buffer).getOccurredAt().plus(settings.gap()).isBefore(turn.getObservedAt())) {
            // the session resumed after a quiet spell: what came before is one stretch, summarized on its own
            emit(buffer);
            buffer = null;
        }
        if (buffer == null) {
            buffer = SessionBuffer.newBuilder().setTenantId(turn.getTenantId()).setUserId(turn.getUserId())
                    .setAgentId(turn.getAgentId()).setSessionId(turn.getSessionId()).setTurns(new ArrayList<>())
                    .setLastBufferedAt(Instant.EPOCH).build();
        }
        buffer.getTurns().add(BufferedTurn.newBuilder().setEventId(turn.getProvenance().getFirst())
                .setSpeaker(turn.getMetadata().get("speaker")).setText(turn.getText())
                .setOccurredAt(turn.getObservedAt()).setEmbedding(turn.getEmbedding())
                .setImportance(turn.getImportance()).build());
        buffer.setLastBufferedAt(Instant.ofEpochMilli(context.currentSystemTimeMs()));
        if (tokens(buffer) >= settings.maxTokens()) {
            emit(buffer);
            buffers.delete(key);
        } else {
            buffers.put(key, buffer);
        }
    }

    /** Summarizes and forgets every buffered session the rule calls quiet. */
    private void close(Predicate<SessionBuffer> quiet) {
        List<KeyValue<String, SessionBuffer>> closing = new ArrayList<>();
        try (var all = buffers.all()) {
            all.forEachRemaining(kv -> {
                if (quiet.test(kv.value)) {
                    closing.add(kv);
                }
            });
        }
        for (var kv : closing) {
            emit(kv.value);
            buffers.delete(kv.key);
        }
    }

    private void emit(SessionBuffer buffer) {
        List<BufferedTurn> turns = buffer.getTurns();
        if (turns.size() < settings.minTurns()) {
            return;
        }
        Summarizer.Summary summary;
        String by;
        try {
            summary = summarizer.summarize(turns);
            by = summarizer.name();
        } catch (RuntimeException e) {
            log.warn("summarizer {} failed for a session of {} turns; using {}: {}", summarizer.name(), turns.size(),
                    fallback.name(), e.toString());
            summary = fallback.summarize(turns);
            by = fallback.name();
        }
        String owner = MemoryOwner.of(buffer.getTenantId(), buffer.getUserId(), buffer.getAgentId()).key();
        Instant last = last(buffer).getOccurredAt();
        List<String> provenance = turns.stream().map(BufferedTurn::getEventId).toList();
        String text = summary.text();
        Map<String, String> metadata = new LinkedHashMap<>(Map.of("kind", KIND, "summarizer", by,
                "turns", Integer.toString(turns.size())));
        if (!summary.lineSources().isEmpty()) {
            metadata.put(LINE_SOURCES, String.join(",", summary.lineSources()));
        }
        MemoryRecord record = MemoryRecord.newBuilder()
                .setRecordId(recordId(buffer.getTenantId(), owner, buffer.getSessionId(), provenance.getFirst()))
                .setTenantId(buffer.getTenantId())
                .setUserId(buffer.getUserId())
                .setAgentId(buffer.getAgentId())
                .setSessionId(buffer.getSessionId())
                .setTier(MemoryTier.EPISODIC)
                .setRole(null)
                .setText(text)
                .setEmbedding(Vectors.toList(embeddings.embedDocuments(List.of(text)).getFirst()))
                .setEmbeddingModel(embeddings.modelId())
                .setImportance(importance(turns))
                .setObservedAt(last)
                .setCreatedAt(clock.instant().truncatedTo(ChronoUnit.MILLIS))
                .setValidFrom(turns.getFirst().getOccurredAt())
                .setValidTo(null)
                .setProvenance(provenance)
                .setVersion(1)
                .setMetadata(metadata)
                .build();
        context.forward(new Record<>(owner, record, last.toEpochMilli()));
    }

    static double importance(List<BufferedTurn> turns) {
        double weightiest = turns.stream().mapToDouble(BufferedTurn::getImportance).max().orElse(0);
        return Math.min(SUMMARY_IMPORTANCE_CAP, weightiest + SUMMARY_IMPORTANCE_LIFT);
    }

    /**
     * A summary is named by its session and the first event it covers: a replay of the log, or a retry after a
     * crash, yields the same id and so overwrites rather than duplicates.
     */
    static String recordId(String tenant, String ownerKey, String session, String firstEventId) {
        String name = tenant + '\u001f' + ownerKey + '\u001f' + session + '\u001f' + KIND + '\u001f' + firstEventId;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static BufferedTurn last(SessionBuffer buffer) {
        return buffer.getTurns().getLast();
    }

    private static int tokens(SessionBuffer buffer) {
        int total = 0;
        for (BufferedTurn t : buffer.getTurns()) {
            total += TOKENS.countTokens(t.getText());
        }
        return total;
    }
}
