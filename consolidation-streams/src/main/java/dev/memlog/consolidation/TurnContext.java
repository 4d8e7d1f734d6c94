package dev.memlog.consolidation;

import dev.memlog.common.embedding.Vectors;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * A turn follows the turn before it in its session: its record points to that turn's record, and (when
 * EMBED_PREVIOUS_TURN is on) it is also embedded together with it, because an answer ("Yes, last year!") is about
 * what was asked. The previous turn of each session is kept in a local store: an owner's events share a partition,
 * so the lookup never leaves it.
 */
public final class TurnContext implements FixedKeyProcessor<String, MemoryEvent, MemoryRecord> {
    public static final String STORE = Topics.PREVIOUS_TURNS.name();
    public static final String EXPIRY = "session-previous-turn-expiry";
    static final String[] STORES = {STORE, EXPIRY};
    static final int MAX_CONTEXT_CHARS = 600;

    private final EpisodeRecorder recorder;
    private final boolean withPreviousTurn;
    private final Duration retention;
    private final int maxContentChars;
    private FixedKeyProcessorContext<String, MemoryRecord> context;
    private KeyValueStore<String, dev.memlog.schemas.avro.PreviousTurn> previous;
    private Deadlines expiry;

    /**
     * @param retention how long a session's previous turn is kept after its last turn (platform time): a session
     *                  resumed later starts afresh, and the store does not keep every session ever held
     * @param maxContentChars an event longer than this (only a producer that bypassed ingest can write one) is a dead
     *                        letter: its record could not be written to the log
     */
    public TurnContext(EpisodeRecorder recorder, boolean withPreviousTurn, Duration retention, int maxContentChars) {
        this.recorder = recorder;
        this.withPreviousTurn = withPreviousTurn;
        this.retention = retention;
        this.maxContentChars = maxContentChars;
    }

    /** The previous turn's text is sealed for its owner like every other value. */
    public static List<StoreBuilder<?>> stores(AvroFormat format) {
        return List.of(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                        Topics.PREVIOUS_TURNS.valueSerde(format)), Deadlines.store(EXPIRY));
    }

    @Override
    public void init(FixedKeyProcessorContext<String, MemoryRecord> context) {
        this.context = context;
        this.previous = context.getStateStore(STORE);
        this.expiry = new Deadlines(context.getStateStore(EXPIRY));
    }

    @Override
    public void process(FixedKeyRecord<String, MemoryEvent> record) {
        for (Deadlines.Due due : expiry.takeDue(record.timestamp(), SessionSummarizer.DUE_PER_CALL)) {
            previous.delete(due.key());
        }
        MemoryEvent event = record.value();
        if (event.getContent().length() > maxContentChars) {
            throw new PoisonEventException("content of " + event.getContent().length() + " characters exceeds the "
                    + maxContentChars + " consolidation accepts (MAX_EVENT_CONTENT_CHARS)");
        }
        if (event.getKind() != EventKind.TURN || event.getSessionId() == null) {
            context.forward(record.withValue(recorder.record(event)));
            return;
        }
        String session = MemoryOwner.of(event.getTenantId(), event.getUserId(), event.getAgentId()).key()
                + '\u001f' + event.getSessionId();
        var stored = previous.get(session);
        PreviousTurn before = stored == null ? null
                : new PreviousTurn(stored.getRecordId(), stored.getText(), Vectors.toArray(stored.getEmbedding()));
        MemoryRecord derived = recorder.record(event, before, withPreviousTurn);
        context.forward(record.withValue(derived));
        String text = EpisodeRecorder.embeddingText(event);
        previous.put(session, dev.memlog.schemas.avro.PreviousTurn.newBuilder().setTenantId(event.getTenantId())
                .setUserId(event.getUserId()).setAgentId(event.getAgentId()).setRecordId(derived.getRecordId())
                .setText(text.length() > MAX_CONTEXT_CHARS ? text.substring(0, MAX_CONTEXT_CHARS) : text)
                .setEmbedding(recorder.keepsTurnVectors() ? derived.getEmbedding() : List.of()).build());
        expiry.set(session, record.timestamp() + retention.toMillis(), "drop");
    }
}
