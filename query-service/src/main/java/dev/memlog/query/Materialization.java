package dev.memlog.query;

import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;

/**
 * What one change read from a derivation's topics does to a generation's indexes: a memory record's version goes to
 * the live index (or leaves it), to history with its place in the log, and to the as-of index with its span; a use
 * history goes to the strength index, and the use history a forgotten life ended with to the strength lives.
 */
final class Materialization {
    private Materialization() {
    }

    static List<BulkOperation> of(Generation target, SpecificRecord change, String topic, int partition, long offset) {
        List<BulkOperation> ops = new ArrayList<>(4);
        switch (change) {
            case MemoryRecord record -> {
                ops.add(MemoryIndex.liveOperation(target.live(), record));
                ops.add(BulkOperation.of(op -> op.index(i -> i.index(target.history()).id(LifecycleIndexes.historyId(record))
                        .document(LifecycleIndexes.historyDocument(record, topic, partition, offset)))));
                ops.addAll(AsOfIndex.operations(target.asOf(), record));
            }
            case MemoryStrength strength when strength.getDeletedAt() != null ->
                    // a deleted memory keeps no use history either
                    ops.add(BulkOperation.of(op -> op.delete(d -> d.index(target.strength()).id(strength.getRecordId()))));
            case MemoryStrength strength -> {
                var doc = LifecycleIndexes.strengthDocument(strength);
                ops.add(BulkOperation.of(op -> op.index(i -> i.index(target.strength()).id(strength.getRecordId()).document(doc))));
                if (strength.getForgottenAt() != null) {
                    // the life that ended here, kept as it ended: a restatement starts the memory's use history anew
                    ops.add(BulkOperation.of(op -> op.index(i -> i.index(target.strengthLives())
                            .id(LifecycleIndexes.lifeId(strength)).document(doc))));
                }
            }
            default -> throw new IllegalStateException("unexpected value " + change.getClass());
        }
        return ops;
    }
}
