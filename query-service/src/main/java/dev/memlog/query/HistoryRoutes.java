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
 * that follows from it now, and its strength over its life: a forgotten or superseded memory still explains itself here.
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

    static final int POINTS = 24;

    /**
     * Strength at evenly spaced moments from the memory's birth to {@code end} (now, or when it stopped being known),
     * each from the uses made before it.
     */
    ArrayNode overTime(StrengthModel.Uses uses, Instant end) {
        ArrayNode series = Json.mapper().createArrayNode();
        Instant born = uses.born().isAfter(end) ? end : uses.born();
        long span = end.toEpochMilli() - born.toEpochMilli();
        for (int i = 0; i < POINTS; i++) {
            Instant at = born.plusMillis(span * i / (POINTS - 1));
            series.addObject().put("at", at.toString()).put("strength", model.strength(uses.before(at), at));
        }
        return series;
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
        Map<String, String> metadata = new HashMap<>();
        last.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
        var uses = LifecycleIndexes.uses(strength, Instant.ofEpochMilli(last.path("valid_from").asLong()),
                last.path("importance").asDouble(), last.path("tier").asText(), metadata);
        Instant now = Instant.now();
        if (strength != null) {
            ObjectNode s = out.putObject("strength");
            s.setAll((ObjectNode) strength);
            s.put("strength_now", model.strength(uses, now));
            s.put("reinforcement_now", model.reinforcement(uses, now));
        }
        // a memory never used has no use history, and a strength all the same: its importance, decaying
        Instant end = out.path("live").asBoolean() ? now : Instant.ofEpochMilli(Lineage.effectiveAt(last));
        out.set("strength_over_time", overTime(uses, end));
        ctx.json(out);
    }
}
