package dev.memlog.query;

import dev.memlog.common.auth.Principal;
import dev.memlog.common.http.ApiException;

/**
 * Reads name one owner, unless the credential may read across the tenant's owners (an analyst's key, {@code reads=tenant}):
 * a key handed to an agent serving one user cannot page through every user's memory. A key bound to an agent reads
 * what that agent was told, and another agent's memory of a user only when the key is granted that user.
 */
final class OwnerScope {
    private OwnerScope() {
    }

    static void require(Principal principal, String userId, String agentId) {
        if (principal.agent() != null) {
            requireBound(principal, userId, agentId);
            return;
        }
        if (userId == null && agentId == null && !principal.tenantWideReads()) {
            throw new ApiException(403, "this key reads one owner at a time: give user_id or agent_id (a key with"
                    + " reads=tenant may read across the tenant's owners)", "user_id");
        }
    }

    private static void requireBound(Principal principal, String userId, String agentId) {
        if (principal.agent().equals(agentId)) {
            return; // its own memories, with whichever user: a filter on agent_id keeps the read to them
        }
        if (userId != null && principal.mayReadUser(userId)) {
            return;
        }
        if (userId != null) {
            throw new ApiException(403, "this key acts for agent " + principal.agent() + " and was not granted user "
                    + ApiException.printable(userId) + "'s memory: give agent_id=" + principal.agent()
                    + " to read what this agent was told", "user_id");
        }
        throw new ApiException(403, "this key acts for agent " + principal.agent() + ": give agent_id="
                + principal.agent() + ", or a user_id the key was granted", "agent_id");
    }

    /**
     * For reads that cannot be narrowed to one agent's share of a user's memory (working memory is kept per owner and
     * session): a bound key reads a user's only when granted that user.
     */
    static void requireWhole(Principal principal, String userId, String agentId) {
        require(principal, userId, agentId);
        if (userId != null && !principal.mayReadUser(userId)) {
            throw new ApiException(403, "this key acts for agent " + principal.agent() + " and was not granted user "
                    + ApiException.printable(userId) + "'s working memory", "user_id");
        }
    }
}
