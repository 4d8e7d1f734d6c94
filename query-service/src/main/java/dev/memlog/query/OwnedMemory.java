package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.Access;
import dev.memlog.common.http.ApiException;
import io.javalin.http.Context;
import java.util.List;

/** The versions of the memory a request names, as its caller may see them: of its tenant and owner, or a 404. */
final class OwnedMemory {
    private OwnedMemory() {
    }

    /** Every version, oldest first, of the memory in the {@code record_id} path parameter. */
    static List<JsonNode> versions(LifecycleIndexes lifecycle, Context ctx) {
        String tenant = Access.tenant(ctx);
        String id = ctx.pathParam("record_id");
        if (!SearchRequest.RECORD_ID.matcher(id).matches()) {
            throw ApiException.badRequest("record_id", "record_id must be a record id as search returns it");
        }
        var owner = SearchRequest.scope(ctx.queryParam("user_id"), ctx.queryParam("agent_id"), null);
        OwnerScope.require(Access.principal(ctx), owner.userId(), owner.agentId());
        List<JsonNode> versions = lifecycle.versions(tenant, id);
        if (!versions.isEmpty() && (owner.userId() != null || owner.agentId() != null)
                && !sameOwner(versions.getLast(), owner.userId(), owner.agentId())) {
            versions = List.of(); // another owner's memory is not this owner's to see, nor to learn exists
        }
        if (versions.isEmpty()) {
            throw new ApiException(404, "no memory " + id + " of this owner in this tenant", "record_id");
        }
        return versions;
    }

    private static boolean sameOwner(JsonNode version, String userId, String agentId) {
        String user = text(version, "user_id");
        String agent = text(version, "agent_id");
        // both named: both must match, so an agent's key sees its own share of a user's memory and no other agent's
        return userId != null ? userId.equals(user) && (agentId == null || agentId.equals(agent))
                : user == null && agentId.equals(agent);
    }

    static String text(JsonNode doc, String field) {
        return doc.path(field).isTextual() ? doc.path(field).asText() : null;
    }
}
