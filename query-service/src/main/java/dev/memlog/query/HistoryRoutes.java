package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ScopedRoutes;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import dev.memlog.common.memory.StrengthModel;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every version of one memory of the caller's tenant, oldest first, each with why it changed (derived, restated,
 * superseded, forgotten, restated after forgetting) and the events behind it, and its use history with the strength
 * that follows from it now: a forgotten or superseded memory still explains itself here.
 */
final class HistoryRoutes {
    private static final Pattern RECORD_ID = SearchRequest.RECORD_ID;
    private final LifecycleIndexes lifecycle;
    private final StrengthModel model;

    HistoryRoutes(LifecycleIndexes lifecycle, StrengthModel model) {
        this.lifecycle = lifecycle;
        this.model = model;
    }

    void register(JavalinConfig config) {
        ScopedRoutes.of(config, Scope.READ).get("/v1/memories/{record_id}/history", this::history);
    }

    private static boolean sameOwner(JsonNode version, String userId, String agentId) {
        String user = version.path("user_id").isTextual() ? version.path("user_id").asText() : null;
        String agent = version.path("agent_id").isTextual() ? version.path("agent_id").asText() : null;
        // both named: both must match, so an agent's key sees its own share of a user's memory and no other agent's
        return userId != null ? userId.equals(user) && (agentId == null || agentId.equals(agent))
                : user == null && agentId.equals(agent);
    }

    private void history(Context ctx) {
        String tenant = Access.tenant(ctx);
        String id = ctx.pathParam("record_id");
        if (!RECORD_ID.matcher(id).matches()) {
            throw ApiException.badRequest("record_id", "record_id must be a record id as search returns it");
        }
        var owner = SearchRequest.scope(ctx.queryParam("user_id"), ctx.queryParam("agent_id"), null);
        OwnerScope.require(Access.principal(ctx), owner.userId(), owner.agentId());
        List<JsonNode> versions = lifecycle.versions(tenant, id);
        if (!versions.isEmpty() && (owner.userId() != null || owner.agentId() != null)
                && !(sameOwner(versions.getLast(), owner.userId(), owner.agentId()))) {
            versions = List.of(); // another owner's memory is not this owner's to see, nor to learn exists
        }
        if (versions.isEmpty()) {
            throw new ApiException(404, "no memory " + id + " of this owner in this tenant", "record_id");
        }
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("record_id", id);
        JsonNode last = versions.getLast();
        boolean live = last.path("forgotten_at").isNull() || last.path("forgotten_at").isMissingNode();
        boolean deleted = !(last.path("deleted_at").isNull() || last.path("deleted_at").isMissingNode());
        out.put("live", live && !deleted && (last.path("valid_to").isNull() || last.path("valid_to").isMissingNode()));
        ArrayNode list = out.putArray("versions");
        versions.forEach(list::add);
        JsonNode strength = lifecycle.strengths(tenant, List.of(id)).get(id);
        if (strength != null) {
            ObjectNode s = out.putObject("strength");
            s.setAll((ObjectNode) strength);
            Map<String, String> metadata = new HashMap<>();
            last.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
            var uses = LifecycleIndexes.uses(strength, Instant.ofEpochMilli(last.path("valid_from").asLong()),
                    last.path("importance").asDouble(), last.path("tier").asText(), metadata);
            Instant now = Instant.now();
            s.put("strength_now", model.strength(uses, now));
            s.put("reinforcement_now", model.reinforcement(uses, now));
        }
        ctx.json(out);
    }
}
