package dev.memlog.schemas;

import java.util.Objects;

/**
 * Whose memory an event or record is: the partition key of every topic. Memories are about a user when the
 * caller names one (an agent serving many users keeps them apart), otherwise they belong to the agent itself.
 */
public record MemoryOwner(String tenantId, Kind kind, String id) {

    public enum Kind { USER, AGENT }

    /** Between the tenant and the owner in a key: a tenant's keys all start with its id and this. */
    public static final char SEPARATOR = '\u001f';

    public MemoryOwner {
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
    }

    /** The owner for an event's scope: the user when present, else the agent. */
    public static MemoryOwner of(String tenantId, String userId, String agentId) {
        if (userId != null && !userId.isBlank()) {
            return new MemoryOwner(tenantId, Kind.USER, userId);
        }
        if (agentId != null && !agentId.isBlank()) {
            return new MemoryOwner(tenantId, Kind.AGENT, agentId);
        }
        throw new IllegalArgumentException("a memory needs a user_id or an agent_id");
    }

    /** The Kafka record key: tenant and owner, unambiguous because ids cannot contain the separator. */
    public String key() {
        return tenantId + SEPARATOR + (kind == Kind.USER ? "u:" : "a:") + id;
    }
}
