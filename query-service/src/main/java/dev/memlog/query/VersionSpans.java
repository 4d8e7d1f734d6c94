package dev.memlog.query;

import dev.memlog.schemas.avro.MemoryRecord;
import java.time.Instant;

/**
 * Each version of a memory is in effect from the event time it took effect until the next version took effect; only
 * a version that leaves the memory valid (not superseded, forgotten, deleted or erased) is one an agent knew.
 */
final class VersionSpans {
    private VersionSpans() {
    }

    /**
     * The event time a version took effect: a supersession when the fact stopped holding, forgetting when strength
     * fell below the threshold, a deletion when it was asked for, anything else when its newest source was observed
     * (a summary does not exist before the last turn it summarises).
     */
    static Instant effectiveAt(MemoryRecord r) {
        Instant at = switch (r.getChange()) {
            case SUPERSEDED -> r.getValidTo();
            case FORGOTTEN -> r.getForgottenAt();
            case DELETED, ERASED -> r.getDeletedAt();
            case DERIVED, REINFORCED, REVIVED -> r.getObservedAt();
        };
        return at != null ? at : r.getObservedAt();
    }

    /** Whether, while this version was in effect, the agent knew the memory. */
    static boolean known(MemoryRecord r) {
        return r.getValidTo() == null && r.getForgottenAt() == null && r.getDeletedAt() == null
                && switch (r.getChange()) {
                    case DERIVED, REINFORCED, REVIVED -> true;
                    case SUPERSEDED, FORGOTTEN, DELETED, ERASED -> false;
                };
    }
}
