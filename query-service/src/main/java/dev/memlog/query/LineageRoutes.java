package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ScopedRoutes;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a memory of the caller's tenant came from and what became of it: its source events with their topic,
 * partition and offset (through the turns a fact or summary was drawn from), the rule and model that derived it, and
 * every change since with the event or check that caused it.
 */
final class LineageRoutes {
    /** Turns looked up for one memory: a summary of a long session names at most this many. */
    static final int MAX_TURNS = 500;
    private final LifecycleIndexes lifecycle;

    LineageRoutes(LifecycleIndexes lifecycle) {
        this.lifecycle = lifecycle;
    }

    void register(JavalinConfig config) {
        ScopedRoutes.of(config, Scope.READ).get("/v1/memories/{record_id}/lineage", this::lineage);
    }

    private void lineage(Context ctx) {
        String tenant = Access.tenant(ctx);
        List<JsonNode> versions = OwnedMemory.versions(lifecycle, ctx);
        JsonNode first = versions.getFirst();
        String userId = OwnedMemory.text(first, "user_id");
        String agentId = OwnedMemory.text(first, "agent_id");
        Set<String> events = new LinkedHashSet<>();
        versions.forEach(v -> v.path("provenance").forEach(p -> events.add(p.asText())));
        List<JsonNode> turns = lifecycle.turnsOf(tenant, userId, agentId, events, MAX_TURNS);
        Map<String, List<JsonNode>> related = new LinkedHashMap<>();
        for (String link : List.of("supersedes", "superseded_by")) {
            for (JsonNode v : versions) {
                String id = v.path("metadata").path(link).asText("");
                if (!id.isEmpty() && SearchRequest.RECORD_ID.matcher(id).matches() && !related.containsKey(id)) {
                    List<JsonNode> found = lifecycle.versions(tenant, id);
                    // the same owner's only: a link never leads into another owner's memories
                    if (!found.isEmpty() && java.util.Objects.equals(OwnedMemory.text(found.getFirst(), "user_id"), userId)
                            && java.util.Objects.equals(OwnedMemory.text(found.getFirst(), "agent_id"), agentId)) {
                        related.put(id, found);
                    }
                }
            }
        }
        ctx.json(Lineage.of(versions, turns, related));
    }
}
