package dev.memlog.client;

import java.util.Map;

/**
 * Whose memory an adapter reads and writes: a user, an agent, or a user as served by an agent. A credential bound to
 * an agent supplies the agent itself; the tenant always comes from the credential.
 */
public record Owner(String userId, String agentId) {
    public Owner {
        if (userId == null && agentId == null) {
            throw new IllegalArgumentException("an owner is a user_id, an agent_id, or both");
        }
    }

    public static Owner user(String userId) {
        return new Owner(userId, null);
    }

    public static Owner agent(String agentId) {
        return new Owner(null, agentId);
    }

    /** The owner's fields, as the API's bodies and query parameters name them. */
    public Map<String, String> fields() {
        return MemoryClient.query("user_id", userId, "agent_id", agentId);
    }
}
