package dev.memlog.consolidation;

import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
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
    public static final String STORE = "session-previous-turn";
    static final int MAX_CONTEXT_CHARS = 600;

    private final EpisodeRecorder recorder;
    private final boolean withPreviousTurn;
    private FixedKeyProcessorContext<String, MemoryRecord> context;
    private KeyValueStore<String, String> previous;

    public TurnContext(EpisodeRecorder recorder, boolean withPreviousTurn) {
        this.recorder = recorder;
        this.withPreviousTurn = withPreviousTurn;
    }

    public static StoreBuilder<KeyValueStore<String, String>> store() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.String());
    }

    @Override
    public void init(FixedKeyProcessorContext<String, MemoryRecord> context) {
        this.context = context;
        this.previous = context.getStateStore(STORE);
    }

    @Override
    public void process(FixedKeyRecord<String, MemoryEvent> record) {
        MemoryEvent event = record.value();
        if (event.getKind() != EventKind.TURN || event.getSessionId() == null) {
            context.forward(record.withValue(recorder.record(event)));
            return;
        }
        String session = MemoryOwner.of(event.getTenantId(), event.getUserId(), event.getAgentId()).key()
                + '\u001f' + event.getSessionId();
        PreviousTurn before = PreviousTurn.decode(previous.get(session));
        MemoryRecord derived = recorder.record(event, before, withPreviousTurn);
        context.forward(record.withValue(derived));
        String text = EpisodeRecorder.embeddingText(event);
        previous.put(session, new PreviousTurn(derived.getRecordId(),
                text.length() > MAX_CONTEXT_CHARS ? text.substring(0, MAX_CONTEXT_CHARS) : text).encode());
    }
}
