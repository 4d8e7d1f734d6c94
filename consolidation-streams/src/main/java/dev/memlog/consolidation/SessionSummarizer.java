package dev.memlog.consolidation;

import dev.memlog.schemas.serde.AvroFormat;
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
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
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
 * A session's turns are buffered until it goes quiet or outgrows a token bound; then one summary record covers them,
 * their event ids as its provenance. Quiet means either of two things, both read from the log so that a replay closes
 * every session where the live run did: no turn in the session for the gap in its owner's own time (the event time of
 * the owner's newest turn, in any session), or none for the idle time in platform time (when the platform received
 * records; no client's clock moves it). A task that receives nothing at all closes its idle sessions on the wall
 * clock: with nothing received in between, that is the stretch a replay closes at the next record too.
 */
public final class SessionSummarizer implements Processor<String, MemoryRecord, String, MemoryRecord> {
    private static final Logger log = LoggerFactory.getLogger(SessionSummarizer.class);
    public static final String STORE = Topics.SESSION_BUFFERS.name();
    /** When each open session is due to close for idleness, and each closed one's remains to be dropped. */
    public static final String DEADLINES = "session-buffer-deadlines";
    /** The event time of each open session's last turn, read by owner to close the sessions their time has left. */
    public static final String CLOCKS = "session-buffer-clocks";
    public static final String KIND = RecordKinds.SESSION_SUMMARY;
    static final String LINE_SOURCES = RecordKinds.LINE_SOURCES;
    static final String CLOSE = "close";
    static final String DROP = "drop";
    /** Deadlines handled per record or punctuation: a backlog is worked off across calls, never in one long stall. */
    static final int DUE_PER_CALL = 16;
    /** Event ids of the last summarized stretch kept for recognising retried appends. */
    static final int CLOSED_IDS_KEPT = 200;
    /**
     * A summary is worth its weightiest turn and a little more, for standing for a whole stretch, but never more than
     * this: less than an explicit memory. A stretch of small talk stays small talk and fades like it.
     */
    static final double SUMMARY_IMPORTANCE_CAP = 0.6;
    static final double SUMMARY_IMPORTANCE_LIFT = 0.1;
    private static final char SEP = '\u001f';

    /**
     * @param gap a later turn of the owner this long after a session's last one (event time) closes that session
     * @param idle a session with no new turn for this long in platform time is summarized
     * @param maxTokens a session buffered past this many tokens is summarized at once
     * @param checkEvery how often a task that receives nothing looks for idle sessions on the wall clock
     * @param minTurns a stretch of fewer turns is not summarized: its turns say it themselves
     * @param keepClosed how long a summarized session's last event ids are kept, to recognise retried appends
     */
    public record Settings(Duration gap, Duration idle, int maxTokens, Duration checkEvery, int minTurns, Duration keepClosed) {
        public Settings {
            if (gap.isNegative() || gap.isZero() || idle.isNegative() || idle.isZero() || maxTokens < 1
                    || checkEvery.isNegative() || checkEvery.isZero() || minTurns < 1 || !keepClosed.isPositive()) {
                throw new IllegalArgumentException(
                        "session gap, idle time, token bound, check interval, minimum turns and retention must be positive");
            }
        }

        public Settings(Duration gap, Duration idle, int maxTokens, Duration checkEvery, int minTurns) {
            this(gap, idle, maxTokens, checkEvery, minTurns, Duration.ofDays(30));
        }
    }

    private final Summarizer summarizer;
    private final Summarizer fallback;
    private final EmbeddingProvider embeddings;
    private final Settings settings;
    private final Clock clock;
    private ProcessorContext<String, MemoryRecord> context;
    private KeyValueStore<String, SessionBuffer> buffers;
    private KeyValueStore<String, Long> sessionClocks;
    private Deadlines deadlines;
    /**
     * Wall-clock time this task last received a record, and the newest platform time it has seen: not state, since
     * they only measure a quiet spell, which a restart starts measuring afresh.
     */
    private long lastReceivedWall;
    private long lastPlatformTime = Long.MIN_VALUE;

    /** @param fallback writes the summary when {@code summarizer} fails (a model endpoint down), so no session is lost */
    public SessionSummarizer(Summarizer summarizer, Summarizer fallback, EmbeddingProvider embeddings, Settings settings,
                             Clock clock) {
        this.summarizer = summarizer;
        this.fallback = fallback;
        this.embeddings = embeddings;
        this.settings = settings;
        this.clock = clock;
    }

    public static List<StoreBuilder<?>> stores(AvroFormat format) {
        return List.of(
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                        Topics.SESSION_BUFFERS.valueSerde(format)),
                Deadlines.store(DEADLINES),
                Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CLOCKS), Serdes.String(), Serdes.Long()));
    }

    static final String[] STORES = {STORE, DEADLINES, CLOCKS};

    @Override
    public void init(ProcessorContext<String, MemoryRecord> context) {
        this.context = context;
        this.buffers = context.getStateStore(STORE);
        this.sessionClocks = context.getStateStore(CLOCKS);
        this.deadlines = new Deadlines(context.getStateStore(DEADLINES));
        this.lastReceivedWall = context.currentSystemTimeMs();
        context.schedule(settings.checkEvery(), PunctuationType.WALL_CLOCK_TIME, now -> {
            long quiet = now - lastReceivedWall;
            if (quiet >= settings.idle().toMillis() && lastPlatformTime != Long.MIN_VALUE) {
                // nothing has arrived: platform time goes on at the wall clock's pace
                closeDue(lastPlatformTime + quiet);
            }
        });
    }

    @Override
    public void process(Record<String, MemoryRecord> record) {
        lastReceivedWall = context.currentSystemTimeMs();
        long received = record.timestamp();
        lastPlatformTime = Math.max(lastPlatformTime, received);
        closeDue(received);
        MemoryRecord turn = record.value();
        if (turn.getTier() != MemoryTier.EPISODIC || turn.getSessionId() == null
                || KIND.equals(turn.getMetadata().get("kind")) || turn.getProvenance().isEmpty()) {
            return;
        }
        String owner = MemoryOwner.of(turn.getTenantId(), turn.getUserId(), turn.getAgentId()).key();
        String key = owner + SEP + turn.getSessionId();
        closeLeftBehind(owner, key, turn.getObservedAt(), received);
        SessionBuffer buffer = buffers.get(key);
        String eventId = turn.getProvenance().getFirst();
        if (buffer != null && (buffer.getClosedEventIds().contains(eventId)
                || buffer.getTurns().stream().anyMatch(t -> t.getEventId().equals(eventId)))) {
            return; // a retried append: already buffered or already summarized
        }
        if (buffer != null && !buffer.getTurns().isEmpty()
                && last(buffer).getOccurredAt().plus(settings.gap()).isBefore(turn.getObservedAt())) {
            // the session resumed after a quiet spell: what came before is one stretch, summarized on its own
            buffer = close(key, buffer, received);
        }
        if (buffer == null) {
            buffer = SessionBuffer.newBuilder().setTenantId(turn.getTenantId()).setUserId(turn.getUserId())
                    .setAgentId(turn.getAgentId()).setSessionId(turn.getSessionId()).setTurns(new ArrayList<>())
                    .setLastBufferedAt(Instant.EPOCH).setClosedEventIds(List.of()).build();
        }
        List<BufferedTurn> turns = new ArrayList<>(buffer.getTurns());
        turns.add(BufferedTurn.newBuilder().setEventId(eventId)
                .setSpeaker(turn.getMetadata().get("speaker")).setText(turn.getText()).setTokens(TurnTokens.count(turn.getText()))
                .setOccurredAt(turn.getObservedAt()).setEmbedding(turn.getEmbedding())
                .setImportance(turn.getImportance()).build());
        buffer.setTurns(turns);
        buffer.setLastBufferedAt(Instant.ofEpochMilli(received));
        if (tokens(buffer) >= settings.maxTokens()) {
            close(key, buffer, received);
        } else {
            buffers.put(key, buffer);
            sessionClocks.put(key, last(buffer).getOccurredAt().toEpochMilli());
            deadlines.set(key, received + settings.idle().toMillis(), CLOSE);
        }
    }

    /** Closes the owner's other sessions that have been quiet for the gap by the owner's own newest time. */
    private void closeLeftBehind(String owner, String current, Instant ownerTime, long received) {
        List<String> quiet = new ArrayList<>();
        try (var sessions = sessionClocks.prefixScan(owner + SEP, new StringSerializer())) {
            sessions.forEachRemaining(kv -> {
                if (!kv.key.equals(current) && kv.value + settings.gap().toMillis() < ownerTime.toEpochMilli()) {
                    quiet.add(kv.key);
                }
            });
        }
        for (String key : quiet) {
            SessionBuffer buffer = buffers.get(key);
            if (buffer != null) {
                close(key, buffer, received);
            } else {
                sessionClocks.delete(key);
            }
        }
    }

    /** Acts on the deadlines that have passed by {@code now}: idle sessions are summarized, old remains dropped. */
    private void closeDue(long now) {
        for (Deadlines.Due due : deadlines.takeDue(now, DUE_PER_CALL)) {
            SessionBuffer buffer = buffers.get(due.key());
            if (buffer == null) {
                continue;
            }
            if (CLOSE.equals(due.action()) && !buffer.getTurns().isEmpty()) {
                close(due.key(), buffer, now);
            } else if (DROP.equals(due.action()) && buffer.getTurns().isEmpty()) {
                buffers.delete(due.key());
            }
        }
    }

    /**
     * Summarizes the buffered stretch and keeps only what recognises its turns if they are appended again, until
     * {@code keepClosed} has passed; returns that remainder.
     */
    private SessionBuffer close(String key, SessionBuffer buffer, long at) {
        emit(buffer, at);
        List<String> closed = buffer.getTurns().stream().map(BufferedTurn::getEventId).toList();
        if (closed.size() > CLOSED_IDS_KEPT) {
            closed = closed.subList(closed.size() - CLOSED_IDS_KEPT, closed.size());
        }
        SessionBuffer remainder = SessionBuffer.newBuilder(buffer).setTurns(new ArrayList<>())
                .setClosedEventIds(new ArrayList<>(closed)).build();
        buffers.put(key, remainder);
        sessionClocks.delete(key);
        deadlines.set(key, at + settings.keepClosed().toMillis(), DROP);
        return remainder;
    }

    private void emit(SessionBuffer buffer, long at) {
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
        context.forward(new Record<>(owner, record, at));
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
            total += TurnTokens.of(t);
        }
        return total;
    }
}
