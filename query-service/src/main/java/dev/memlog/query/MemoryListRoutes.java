package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Principal;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import dev.memlog.common.http.ScopedRoutes;
import dev.memlog.schemas.avro.MemoryTier;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * One owner's memories, newest first, a page at a time: those valid now (the live index), or with {@code as_of} those
 * known at that moment (the as-of index), optionally of one tier, session or span of observation; and one memory as
 * it stands now.
 */
final class MemoryListRoutes {
    static final int MAX_LIMIT = 200;
    private static final List<String> FIELDS = List.of("record_id", "tier", "role", "text", "importance", "observed_at",
            "valid_from", "valid_to", "version", "session_id", "user_id", "agent_id", "provenance");
    private final OpenSearchRest os;
    private final MemoryIndex index;
    private final AsOfIndex asOf;
    private final LifecycleIndexes lifecycle;

    MemoryListRoutes(OpenSearchRest os, MemoryIndex index, LifecycleIndexes lifecycle) {
        this.os = os;
        this.index = index;
        this.asOf = lifecycle.asOf();
        this.lifecycle = lifecycle;
    }

    void register(JavalinConfig config) {
        ScopedRoutes.of(config, Scope.READ).get("/v1/memories", this::list).get("/v1/memories/{record_id}", this::one);
    }

    /** The memory's latest version, live or not: a superseded, forgotten or deleted memory says so rather than vanish. */
    private void one(Context ctx) {
        JsonNode last = OwnedMemory.versions(lifecycle, ctx).getLast();
        ObjectNode out = shaped(last);
        String state = Lineage.state(last);
        out.put("live", "live".equals(state));
        out.put("state", state);
        ctx.json(out);
    }

    /** The listed fields of a stored memory, its times as ISO-8601 instants. */
    static ObjectNode shaped(JsonNode src) {
        ObjectNode m = Json.mapper().createObjectNode();
        for (String field : FIELDS) {
            JsonNode value = src.get(field);
            if (value != null && !value.isNull()) {
                m.set(field, field.endsWith("_at") || field.startsWith("valid_")
                        ? Json.mapper().getNodeFactory().textNode(Instant.ofEpochMilli(value.asLong()).toString()) : value);
            }
        }
        return m;
    }

    private void list(Context ctx) {
        var owner = SearchRequest.scope(ctx.queryParam("user_id"), ctx.queryParam("agent_id"), null);
        if (owner.userId() == null && owner.agentId() == null) {
            throw ApiException.badRequest("user_id", "give user_id or agent_id: memories are listed one owner at a time");
        }
        OwnerScope.require(Access.principal(ctx), owner.userId(), owner.agentId());
        Instant at = parameterInstant(ctx, "as_of");
        String tier = tier(ctx.queryParam("tier"));
        String session = session(ctx.queryParam("session_id"));
        Instant after = parameterInstant(ctx, "observed_after");
        Instant before = parameterInstant(ctx, "observed_before");
        if (after != null && before != null && !after.isBefore(before)) {
            throw ApiException.badRequest("observed_before", "observed_before must be later than observed_after");
        }
        int limit = limit(ctx.queryParam("limit"));
        ArrayNode searchAfter = cursor(ctx.queryParam("cursor"));

        ObjectNode body = Json.mapper().createObjectNode();
        ArrayNode filter = body.putObject("query").putObject("bool").putArray("filter");
        filter.addObject().putObject("term").put("tenant_id", Access.tenant(ctx));
        if (owner.userId() != null) {
            filter.addObject().putObject("term").put("user_id", owner.userId());
        }
        if (owner.agentId() != null) {
            filter.addObject().putObject("term").put("agent_id", owner.agentId());
        }
        if (tier != null) {
            filter.addObject().putObject("term").put("tier", tier);
        }
        if (session != null) {
            filter.addObject().putObject("term").put("session_id", session);
        }
        if (after != null || before != null) {
            ObjectNode observed = filter.addObject().putObject("range").putObject("observed_at");
            if (after != null) {
                observed.put("gte", after.toEpochMilli());
            }
            if (before != null) {
                observed.put("lt", before.toEpochMilli());
            }
        }
        if (at == null) {
            filter.addObject().putObject("bool").putObject("must_not").putObject("exists").put("field", "valid_to");
        } else {
            AsOfIndex.knownAt(filter, at);
        }
        body.put("size", limit).put("track_total_hits", true);
        ArrayNode source = body.putArray("_source");
        FIELDS.forEach(source::add);
        body.putArray("sort").add(Json.mapper().createObjectNode().put("observed_at", "desc"))
                .add(Json.mapper().createObjectNode().put("record_id", "asc"));
        if (searchAfter != null) {
            body.set("search_after", searchAfter);
        }
        JsonNode hits = os.call("POST", "/" + (at == null ? index.alias() : asOf.name()) + "/_search", body.toString()).path("hits");
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("total", hits.path("total").path("value").asLong());
        ArrayNode memories = out.putArray("memories");
        JsonNode last = null;
        for (JsonNode hit : hits.path("hits")) {
            memories.add(shaped(hit.path("_source")));
            last = hit.path("sort");
        }
        if (last != null && memories.size() == limit) {
            out.put("next_cursor", Base64.getUrlEncoder().withoutPadding().encodeToString(last.toString().getBytes(StandardCharsets.UTF_8)));
        } else {
            out.putNull("next_cursor");
        }
        if (at != null) {
            out.put("as_of", at.toString());
        }
        ctx.json(out);
    }

    static Instant parameterInstant(Context ctx, String name) {
        String value = ctx.queryParam(name);
        return value == null ? null : SearchRequest.instant(Json.mapper().createObjectNode().put(name, value), name, name);
    }

    static String tier(String value) {
        if (value == null) {
            return null;
        }
        try {
            return MemoryTier.valueOf(value.toUpperCase(Locale.ROOT)).name();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("tier", "tier must be one of working, episodic, semantic, procedural");
        }
    }

    static String session(String value) {
        if (value != null && !Principal.OWNER_ID.matcher(value).matches()) {
            throw ApiException.badRequest("session_id", "session_id must be 1-128 characters of letters, digits and ._:@/+-");
        }
        return value;
    }

    static int limit(String value) {
        if (value == null) {
            return 50;
        }
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ApiException.badRequest("limit", "limit must be an integer from 1 to " + MAX_LIMIT);
    }

    /** The times a memory can have been observed at (years 1 to 9999): the index refuses to sort after any other. */
    private static final long EARLIEST_MILLIS = java.time.Instant.parse("0001-01-01T00:00:00Z").toEpochMilli();
    private static final long LATEST_MILLIS = java.time.Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();

    /**
     * The opaque cursor a previous page gave: the sort values of its last memory (a time the index can hold, and a
     * record id), and nothing else.
     */
    static ArrayNode cursor(String value) {
        if (value == null) {
            return null;
        }
        try {
            JsonNode node = Json.mapper().readTree(new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8));
            if (node.isArray() && node.size() == 2 && node.get(0).isIntegralNumber() && node.get(0).canConvertToLong()
                    && node.get(0).asLong() >= EARLIEST_MILLIS && node.get(0).asLong() <= LATEST_MILLIS && node.get(1).isTextual()
                    && SearchRequest.RECORD_ID.matcher(node.get(1).asText()).matches()) {
                return (ArrayNode) node;
            }
        } catch (IllegalArgumentException | java.io.IOException e) {
            // refused below
        }
        throw ApiException.badRequest("cursor", "cursor must be the next_cursor of a previous page");
    }
}
