package dev.memlog.consolidation;

import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.avro.RecordChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * An erased owner leaves the lifecycle's state (every use history and live version it had) and one marker record,
 * change ERASED, goes out in its place: the materializer deletes every document the owner has on it. What the owner
 * said is already beyond reach, its keys destroyed before the erasure was appended; this takes out what is left.
 */
final class Eraser {

    /** Drops the owner's lifecycle state; returns how many of its memories it held. */
    int drop(MemoryEvent erasure, Lifecycle.State state) {
        String owner = MemoryOwner.of(erasure.getTenantId(), erasure.getUserId(), erasure.getAgentId()).key();
        List<String> keys = new ArrayList<>();
        try (var mine = state.strengths().prefixScan(Lifecycle.key(owner, ""), new StringSerializer())) {
            mine.forEachRemaining(kv -> keys.add(kv.key));
        }
        for (String key : keys) {
            state.strengths().delete(key);
            state.live().delete(key);
        }
        return keys.size();
    }

    /** The marker: the owner, who erased it and when, and nothing that was said (so nothing is sealed, no key made). */
    static MemoryRecord marker(MemoryEvent erasure) {
        var at = erasure.getReceivedAt();
        return MemoryRecord.newBuilder().setRecordId(erasure.getEventId()).setTenantId(erasure.getTenantId())
                .setUserId(erasure.getUserId()).setAgentId(erasure.getAgentId()).setSessionId(null)
                .setTier(MemoryTier.EPISODIC).setRole(null).setText("").setEmbedding(List.of()).setContextEmbedding(List.of())
                .setEmbeddingModel("").setImportance(0).setObservedAt(at).setCreatedAt(at).setValidFrom(at).setValidTo(at)
                .setProvenance(List.of(erasure.getEventId())).setVersion(1).setMetadata(Map.of()).setFollows(null)
                .setChange(RecordChange.ERASED).setChangeReason(null).setDeletedAt(at)
                .setDeletedBy(erasure.getActor() == null ? "unknown" : erasure.getActor()).build();
    }
}
