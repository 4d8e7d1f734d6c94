package dev.memlog.consolidation;

import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import dev.memlog.schemas.avro.RecordChange;
import java.time.Instant;
import java.util.List;

/**
 * A memory deleted on request leaves for good: a last version saying when, by whom and why, and a marker in its place
 * so that nothing derived again, restated or retrieved brings it back. A deletion of a memory the owner does not have
 * (another owner's, another agent's, one superseded or never derived) changes nothing. The deletion is an event in the
 * log, so a replay deletes the same memory at the same point.
 */
final class Deleter {

    /** What a deletion changed: the memory's last version (null when it was already forgotten) and its marker. */
    record Deleted(MemoryRecord lastVersion, MemoryStrength marker) {
    }

    /** @param derivedAt when this version is written, as the clock of consolidation says */
    Deleted delete(MemoryEvent deletion, Lifecycle.State state, Instant derivedAt) {
        String owner = MemoryOwner.of(deletion.getTenantId(), deletion.getUserId(), deletion.getAgentId()).key();
        String recordId = deletion.getTargetRecordId();
        if (recordId == null) {
            return null;
        }
        String key = Lifecycle.key(owner, recordId);
        MemoryStrength known = state.strengths().get(key);
        if (known == null || known.getDeletedAt() != null) {
            return null;
        }
        if (deletion.getAgentId() != null && !deletion.getAgentId().equals(known.getAgentId())) {
            return null; // a deletion naming an agent deletes that agent's memories only
        }
        Instant at = deletion.getReceivedAt();
        String by = deletion.getActor() == null ? "unknown" : deletion.getActor();
        int version = known.getVersion() + 1;
        MemoryStrength marker = MemoryStrength.newBuilder(known).setDeletedAt(at).setVersion(version).setUses(List.of())
                .setUseCount(0).setLastSource(deletion.getEventId()).setUpdatedAt(at).build();
        state.strengths().put(key, marker);
        MemoryRecord live = state.live().get(key);
        state.live().delete(key);
        if (live == null) {
            return new Deleted(null, marker); // forgotten before: its history already ends, and now it cannot come back
        }
        String reason = deletion.getContent().isBlank() ? "deleted by " + by : "deleted by " + by + ": " + deletion.getContent();
        MemoryRecord last = MemoryRecord.newBuilder(live).setVersion(version).setChange(RecordChange.DELETED)
                .setChangeReason(reason).setDeletedAt(at).setDeletedBy(by).setCreatedAt(derivedAt)
                .setProvenance(append(live.getProvenance(), deletion.getEventId())).build();
        return new Deleted(last, marker);
    }

    private static List<String> append(List<String> provenance, String eventId) {
        var out = new java.util.ArrayList<>(provenance);
        out.add(eventId);
        return out;
    }
}
