package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ScopedRoutes;
import dev.memlog.common.http.Json;
import dev.memlog.common.memory.StrengthModel;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every version of one memory of the caller's tenant, oldest first, each with why it changed (derived, restated,
 * superseded, forgotten, restated after forgetting) and the events behind it, and its use history with the strength
 * that follows from it now: a forgotten or superseded memory still explains itself here.
 */
final class HistoryRoutes {
    private final LifecycleIndexes lifecycle;
    private final StrengthModel model;

    HistoryRoutes(LifecycleIndexes lifecycle, StrengthModel model) {
        this.lifecycle = lifecycle;
        this.model = model;
    }

    void register(JavalinConfig config) {
        ScopedRoutes.of(config, Scope.READ).get("/v1/memories/{record_id}/history", this::history);
    }

    private void history(Context ctx) {
        String tenant = Access.tenant(ctx);
        String id = ctx.pathParam("record_id");
        List<JsonNode> versions = OwnedMemory.versions(lifecycle, ctx);
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("record_id", id);
        JsonNode last = versions.getLast();
        out.put("live", "live".equals(Lineage.state(last)));
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
