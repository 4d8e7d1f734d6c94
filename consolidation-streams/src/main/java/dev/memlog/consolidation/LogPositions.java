package dev.memlog.consolidation;

import dev.memlog.schemas.RecordKinds;
import dev.memlog.schemas.avro.LogPosition;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.RecordChange;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Every version records where in the log the event is whose consolidation produced it, so lineage can point an
 * analyst at the raw event. Forgetting and closing a session are deadlines that whatever input comes next may
 * trigger, so their versions name none: a forgotten memory's reason says which check it was, a summary's turns name
 * their own events.
 */
final class LogPositions implements FixedKeyProcessor<String, MemoryRecord, MemoryRecord> {
    private FixedKeyProcessorContext<String, MemoryRecord> context;

    @Override
    public void init(FixedKeyProcessorContext<String, MemoryRecord> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, MemoryRecord> record) {
        MemoryRecord r = record.value();
        if (r.getDerivedWhile() == null && r.getChange() != RecordChange.FORGOTTEN
                && !RecordKinds.SESSION_SUMMARY.equals(r.getMetadata().get("kind"))) {
            context.recordMetadata().ifPresent(m -> r.setDerivedWhile(new LogPosition(m.topic(), m.partition(), m.offset())));
        }
        context.forward(record);
    }
}
