package dev.memlog.mcp;

import dev.memlog.common.auth.Principal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who an MCP request acts for, as its credential said, and that credential as it came, to present to the platform's
 * services: the tenant and the default owner come from here, never from a tool's arguments.
 *
 * @param credential the request's credential headers ({@code X-API-Key}, {@code Authorization}) by name
 */
record Caller(Principal principal, Map<String, String> credential) {
    Caller {
        credential = Map.copyOf(credential);
    }

    /**
     * The owner a tool acts on: the agent the credential is bound to, and the user the arguments name, if any. A
     * credential bound to no agent must name a user: it acts for no one in particular.
     */
    Map<String, String> owner(String userId) {
        if (userId == null && principal.agent() == null) {
            throw new ToolArguments.Invalid("user_id", "this credential is bound to no agent: give user_id, the user whose"
                    + " memory this is");
        }
        var owner = new LinkedHashMap<String, String>();
        if (userId != null) {
            owner.put("user_id", userId);
        }
        if (principal.agent() != null) {
            owner.put("agent_id", principal.agent());
        }
        return owner;
    }
}
