package dev.memlog.consolidation;

import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.BufferedTurn;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.avro.SessionBuffer;
import dev.memlog.schemas.registry.SchemaRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Each session keeps its most recent turns, as many as fit a token bound, oldest dropped first: the short-term tier.
 * A session with no turn for the retention (SESSION_STATE_TTL_DAYS, in platform time) is dropped: its turns live on in
 * the long-term tiers, and the store does not grow with every session ever held.
 */
public final class WorkingMemory implements Processor<String, MemoryRecord, Void, Void> {
    public static final String STORE = Topics.WORKING_MEMORY.name();
    public static final String EXPIRY = "working-memory-expiry";
    static final String[] STORES = {STORE, EXPIRY};

    private final int maxTokens;
    private final Duration retention;
    private KeyValueStore<String, SessionBuffer> sessions;
    private Deadlines expiry;

    public WorkingMemory(int maxTokens, Duration retention) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("WORKING_MEMORY_TOKENS must be positive");
        }
        if (!retention.isPositive()) {
            throw new IllegalArgumentException("SESSION_STATE_TTL_DAYS must be positive");
        }
        this.maxTokens = maxTokens;
        this.retention = retention;
    }

    public static List<StoreBuilder<?>> stores(AvroFormat format) {
        return List.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                Topics.WORKING_MEMORY.valueSerde(format)), Deadlines.store(EXPIRY));
    }

    /** The store key of one session of one owner. */
    public static String key(MemoryOwner owner, String sessionId) {
        return owner.key() + '\u001f' + sessionId;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.sessions = context.getStateStore(STORE);
        this.expiry = new Deadlines(context.getStateStore(EXPIRY));
    }

    @Override
    public void process(Record<String, MemoryRecord> record) {
        for (Deadlines.Due due : expiry.takeDue(record.timestamp(), SessionSummarizer.DUE_PER_CALL)) {
            sessions.delete(due.key());
        }
        MemoryRecord turn = record.value();
        if (turn.getTier() != MemoryTier.EPISODIC || turn.getSessionId() == null || turn.getProvenance().size() != 1) {
            return;
        }
        String key = key(MemoryOwner.of(turn.getTenantId(), turn.getUserId(), turn.getAgentId()), turn.getSessionId());
        SessionBuffer buffer = sessions.get(key);
        List<BufferedTurn> turns = buffer == null ? new ArrayList<>() : new ArrayList<>(buffer.getTurns());
        String eventId = turn.getProvenance().getFirst();
        if (turns.stream().anyMatch(t -> t.getEventId().equals(eventId))) {
            return; // a retried append
        }
        turns.add(BufferedTurn.newBuilder().setEventId(eventId).setSpeaker(turn.getMetadata().getOrDefault("speaker", turn.getRole()))
                .setText(turn.getText()).setTokens(TurnTokens.count(turn.getText())).setOccurredAt(turn.getObservedAt())
                .setEmbedding(List.of()).build());
        // turns arrive in event-time order per session, except late ones: keep the buffer in the order they were said
        turns.sort(java.util.Comparator.comparing(BufferedTurn::getOccurredAt));
        int tokens = turns.stream().mapToInt(TurnTokens::of).sum();
        while (tokens > maxTokens && turns.size() > 1) {
            tokens -= TurnTokens.of(turns.removeFirst());
        }
        sessions.put(key, SessionBuffer.newBuilder().setTenantId(turn.getTenantId()).setUserId(turn.getUserId())
                .setAgentId(turn.getAgentId()).setSessionId(turn.getSessionId())
                .setLastBufferedAt(Instant.ofEpochMilli(record.timestamp())).setTurns(turns).build());
        expiry.set(key, record.timestamp() + retention.toMillis(), "drop");
    }
}
