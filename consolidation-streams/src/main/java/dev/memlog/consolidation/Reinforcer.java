package dev.memlog.consolidation;

import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.AccessedMemory;
import dev.memlog.schemas.avro.MemoryAccess;
import dev.memlog.schemas.avro.MemoryStrength;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A memory retrieved for an agent, or reported used, is reinforced: the use is added to its history at the owner's
 * time of the access, so a replay of the access log gives the same strengths; a memory reported not useful is weakened. A
 * forgotten or deleted memory, one consolidation does not know, one of another agent than the access names, or an
 * access already counted is left as it is.
 */
final class Reinforcer {

    /**
     * Applies the access to the owner's use histories; returns those it changed.
     *
     * @param at when the access happened in the owner's time
     */
    List<MemoryStrength> reinforce(MemoryAccess access, Instant at, Lifecycle.State state) {
        String owner = MemoryOwner.of(access.getTenantId(), access.getUserId(), access.getAgentId()).key();
        List<MemoryStrength> changed = new ArrayList<>();
        for (AccessedMemory m : access.getMemories()) {
            String key = Lifecycle.key(owner, m.getRecordId());
            MemoryStrength s = state.strengths().get(key);
            if (s == null || s.getForgottenAt() != null || s.getDeletedAt() != null || access.getAccessId().equals(s.getLastSource())) {
                continue;
            }
            if (access.getAgentId() != null && !access.getAgentId().equals(s.getAgentId())) {
                continue; // an access naming an agent reaches that agent's memories only, as its searches and deletions do
            }
            switch (access.getKind()) {
                case RETRIEVED -> Lifecycle.addUse(s, at);
                case USED -> {
                    Lifecycle.addUse(s, at);
                    s.setUsed(s.getUsed() + 1);
                }
                case NOT_USEFUL -> s.setNotUseful(s.getNotUseful() + 1);
            }
            s.setLastSource(access.getAccessId());
            s.setUpdatedAt(at);
            state.strengths().put(key, s);
            changed.add(s);
        }
        return changed;
    }
}
