package dev.memlog.consolidation;

import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * An erased owner's entries leave consolidation's session and fact stores (previous turns, session buffers and their
 * clocks, working memory, facts and fact keys): each is keyed by the owner first, so one prefix scan per store finds
 * them. What they held no longer opened once the owner's keys were destroyed; this removes the entries themselves.
 * Every event passes on unchanged, to the lifecycle.
 */
final class OwnerStateEraser implements FixedKeyProcessor<String, MemoryEvent, MemoryEvent> {
    private final List<String> storeNames;
    private final List<KeyValueStore<String, Object>> stores = new ArrayList<>();
    private FixedKeyProcessorContext<String, MemoryEvent> context;

    OwnerStateEraser(List<String> storeNames) {
        this.storeNames = List.copyOf(storeNames);
    }

    @Override
    public void init(FixedKeyProcessorContext<String, MemoryEvent> context) {
        this.context = context;
        storeNames.forEach(name -> stores.add(context.getStateStore(name)));
    }

    @Override
    public void process(FixedKeyRecord<String, MemoryEvent> record) {
        MemoryEvent event = record.value();
        if (event.getKind() == EventKind.ERASURE) {
            String prefix = MemoryOwner.of(event.getTenantId(), event.getUserId(), event.getAgentId()).key() + '\u001f';
            for (var store : stores) {
                List<String> keys = new ArrayList<>();
                try (var mine = store.prefixScan(prefix, new StringSerializer())) {
                    mine.forEachRemaining(kv -> keys.add(kv.key));
                }
                keys.forEach(store::delete);
            }
        }
        context.forward(record);
    }
}
