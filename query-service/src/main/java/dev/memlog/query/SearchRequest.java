package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.avro.MemoryTier;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A validated retrieval request: the query text, how many hits, how to match (hybrid by default, or one side
 * alone for debugging and evaluation), the scope to search within (owner, session, tiers, the time range the
 * memory was observed in, metadata values), the time recency is measured from, and whether to rerank (null:
 * whenever a reranker is configured).
 */
public record SearchRequest(String query, int k, Mode mode, String userId, String agentId, String sessionId,
                            List<MemoryTier> tiers, Instant observedFrom, Instant observedTo, Map<String, String> metadata,
                            Instant asOf, Boolean rerank, boolean explain) {
    static final int MAX_K = 100;
    static final int MAX_METADATA_FILTERS = 10;
    private static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    static final int MAX_QUERY_CHARS = 2000;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@/+-]{1,128}");
    /** A memory record id (and the request and feedback ids that travel with it), as search returns it. */
    static final Pattern RECORD_ID = dev.memlog.schemas.RecordIds.PATTERN;

    /** How candidates are matched. */
    public enum Mode { HYBRID, BM25, VECTOR }

    public SearchRequest withK(int newK) {
        return new SearchRequest(query, newK, mode, userId, agentId, sessionId, tiers, observedFrom, observedTo, metadata,
                asOf, rerank, explain);
    }

    public SearchRequest withTiers(List<MemoryTier> newTiers) {
        return new SearchRequest(query, k, mode, userId, agentId, sessionId, List.copyOf(newTiers), observedFrom, observedTo,
                metadata, asOf, rerank, explain);
    }

    public SearchRequest withAsOf(Instant newAsOf) {
        return new SearchRequest(query, k, mode, userId, agentId, sessionId, tiers, observedFrom, observedTo, metadata,
                newAsOf, rerank, explain);
    }

    public static SearchRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest(null, "request body must be a JSON object");
        }
        JsonNode q = body.get("query");
        if (q == null || q.isNull()) {
            throw ApiException.badRequest("query", "query is required");
        }
        if (!q.isTextual()) {
            throw ApiException.badRequest("query", "query must be a string");
        }
        if (q.asText().isBlank()) {
            throw ApiException.badRequest("query", "query must not be empty");
        }
        if (q.asText().length() > MAX_QUERY_CHARS) {
            throw ApiException.badRequest("query", "query exceeds " + MAX_QUERY_CHARS + " characters");
        }
        int k = 10;
        JsonNode kNode = body.get("k");
        if (kNode != null && !kNode.isNull()) {
            if (!kNode.isInt() || kNode.asInt() < 1 || kNode.asInt() > MAX_K) {
                throw ApiException.badRequest("k", "k must be an integer from 1 to " + MAX_K);
            }
            k = kNode.asInt();
        }
        Mode mode = Mode.HYBRID;
        JsonNode modeNode = body.get("mode");
        if (modeNode != null && !modeNode.isNull()) {
            try {
                mode = Mode.valueOf(modeNode.asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("mode", "mode must be one of hybrid, bm25, vector");
            }
        }
        JsonNode range = body.get("time_range");
        if (range != null && !range.isNull() && !range.isObject()) {
            throw ApiException.badRequest("time_range", "time_range must be an object such as {\"from\": \"2023-05-01T00:00:00Z\", \"to\": \"2023-06-01T00:00:00Z\"}");
        }
        Instant from = range == null ? null : instant(range, "from", "time_range.from");
        Instant to = range == null ? null : instant(range, "to", "time_range.to");
        if (from != null && to != null && from.isAfter(to)) {
            throw ApiException.badRequest("time_range", "time_range.from must not be after time_range.to");
        }
        return new SearchRequest(q.asText(), k, mode, id(body, "user_id"), id(body, "agent_id"), id(body, "session_id"),
                tiers(body), from, to, metadata(body), instant(body, "as_of", "as_of"), rerank(body), explain(body));
    }

    /** A scope without a query, from query parameters, validated like the body fields. */
    public static SearchRequest scope(String userId, String agentId, String sessionId) {
        var body = Json.mapper().createObjectNode();
        body.put("user_id", userId).put("agent_id", agentId).put("session_id", sessionId);
        return new SearchRequest("", 1, Mode.HYBRID, id(body, "user_id"), id(body, "agent_id"), id(body, "session_id"),
                List.of(), null, null, Map.of(), null, false, false);
    }

    /** The episodes of one session of an owner, whose ids come from the index and need no checking. */
    static SearchRequest episodesOf(String userId, String agentId, String sessionId) {
        return new SearchRequest("", 1, Mode.HYBRID, userId, agentId, sessionId, List.of(MemoryTier.EPISODIC), null, null,
                Map.of(), null, false, false);
    }

    private static List<MemoryTier> tiers(JsonNode body) {
        List<MemoryTier> tiers = new ArrayList<>();
        JsonNode tierNode = body.get("tiers");
        if (tierNode != null && !tierNode.isNull()) {
            if (!tierNode.isArray()) {
                throw ApiException.badRequest("tiers", "tiers must be an array such as [\"episodic\",\"semantic\"]");
            }
            for (JsonNode t : tierNode) {
                try {
                    tiers.add(MemoryTier.valueOf(t.asText().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("tiers", "unknown tier '" + t.asText() + "'; known: working, episodic, semantic, procedural");
                }
            }
        }
        return List.copyOf(tiers);
    }

    /** Whether each hit should also say which query terms its text matched: the engine's explanation, asked for. */
    private static boolean explain(JsonNode body) {
        return Boolean.TRUE.equals(optionalBoolean(body, "explain"));
    }

    private static Boolean rerank(JsonNode body) {
        return optionalBoolean(body, "rerank");
    }

    /** {@code body.field} as true or false, null when absent; a 400 naming the field when it is anything else. */
    private static Boolean optionalBoolean(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isBoolean()) {
            throw ApiException.badRequest(field, field + " must be true or false");
        }
        return node.asBoolean();
    }

    /** An ISO-8601 date-time with offset in {@code body.name}, or null; a 400 naming {@code field} if it is not one. */
    static Instant instant(JsonNode body, String name, String field) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest(field, field + " must be an ISO-8601 string such as 2023-05-08T13:56:00Z");
        }
        Instant at;
        try {
            at = OffsetDateTime.parse(node.asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(field, field + " must be an ISO-8601 date-time with offset, such as 2023-05-08T13:56:00Z");
        }
        if (at.isBefore(EARLIEST) || at.isAfter(LATEST)) {
            throw ApiException.badRequest(field, field + " must fall in the years 1 to 9999");
        }
        return at;
    }

    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    /** Exact values of metadata keys the memory must carry, such as {"channel": "support"}. */
    private static Map<String, String> metadata(JsonNode body) {
        JsonNode node = body.get("metadata");
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject() || node.size() > MAX_METADATA_FILTERS) {
            throw ApiException.badRequest("metadata", "metadata must be an object of at most " + MAX_METADATA_FILTERS
                    + " string values, such as {\"channel\": \"support\"}");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (var field : node.properties()) {
            if (!METADATA_KEY.matcher(field.getKey()).matches() || !field.getValue().isTextual()
                    || field.getValue().asText().length() > 256) {
                throw ApiException.badRequest("metadata", "metadata." + field.getKey()
                        + ": keys are 1-64 letters, digits, _ or -, values strings of at most 256 characters");
            }
            values.put(field.getKey(), field.getValue().asText());
        }
        return Map.copyOf(values);
    }

    static String id(JsonNode body, String name) {
        JsonNode node = body.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || !ID.matcher(node.asText()).matches()) {
            throw ApiException.badRequest(name, name + " must be a string of 1-128 letters, digits and . _ : @ / + -");
        }
        return node.asText();
    }
}
