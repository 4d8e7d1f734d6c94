package dev.memlog.consolidation;

import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.AccessedMemory;
import dev.memlog.schemas.avro.MemoryAccess;
import dev.memlog.schemas.avro.MemoryStrength;
import java.util.ArrayList;
import java.util.List;

/**
 * A memory retrieved for an agent, or reported used, is reinforced: the use is added to its history at the access's
 * event time, so a replay of the access log gives the same strengths; a memory reported not useful is weakened. A
 * forgotten memory, one consolidation does not know, or an access already counted is left as it is.
 */
final class Reinforcer {

    /** Applies the access to the owner's use histories; returns those it changed. */
    List<MemoryStrength> reinforce(MemoryAccess access, Lifecycle.State state) {
        String owner = MemoryOwner.of(access.getTenantId(), access.getUserId(), access.getAgentId()).key();
        List<MemoryStrength> changed = new ArrayList<>();
        for (AccessedMemory m : access.getMemories()) {
            String key = Lifecycle.key(owner, m.getRecordId());
            MemoryStrength s = state.strengths().get(key);
            if (s == null || s.getForgottenAt() != null || access.getAccessId().equals(s.getLastSource())) {
                continue;
            }
            switch (access.getKind()) {
                case RETRIEVED -> Lifecycle.addUse(s, access.getOccurredAt());
                case USED -> {
                    Lifecycle.addUse(s, access.getOccurredAt());
                    s.setUsed(s.getUsed() + 1);
                }
                case NOT_USEFUL -> s.setNotUseful(s.getNotUseful() + 1);
            }
            s.setLastSource(access.getAccessId());
            s.setUpdatedAt(access.getOccurredAt());
            state.strengths().put(key, s);
            changed.add(s);
        }
        return changed;
    }
}
