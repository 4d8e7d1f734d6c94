package dev.memlog.query;

import dev.memlog.common.auth.Principal;
import dev.memlog.common.http.ApiException;

/**
 * Reads name one owner, unless the credential may read across the tenant's owners (an analyst's key, {@code reads=tenant}):
 * a key handed to an agent serving one user cannot page through every user's memory.
 */
final class OwnerScope {
    private OwnerScope() {
    }

    static void require(Principal principal, String userId, String agentId) {
        if (userId == null && agentId == null && !principal.tenantWideReads()) {
            throw new ApiException(403, "this key reads one owner at a time: give user_id or agent_id (a key with"
                    + " reads=tenant may read across the tenant's owners)", "user_id");
        }
    }
}
