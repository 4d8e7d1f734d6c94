package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.avro.MemoryTier;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A validated retrieval request: the query text, how many hits, how to match (hybrid by default, or one side
 * alone for debugging and evaluation), the scope to search within, and the time recency is measured from.
 */
public record SearchRequest(String query, int k, Mode mode, String userId, String agentId, String sessionId,
                            List<MemoryTier> tiers, Instant asOf) {
    static final int MAX_K = 100;
    static final int MAX_QUERY_CHARS = 2000;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@/+-]{1,128}");

    /** How candidates are matched. */
    public enum Mode { HYBRID, BM25, VECTOR }

    public SearchRequest withK(int newK) {
        return new SearchRequest(query, newK, mode, userId, agentId, sessionId, tiers, asOf);
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
        return new SearchRequest(q.asText(), k, mode, id(body, "user_id"), id(body, "agent_id"), id(body, "session_id"),
                tiers(body), asOf(body));
    }

    /** A scope without a query, from query parameters, validated like the body fields. */
    public static SearchRequest scope(String userId, String agentId, String sessionId) {
        var body = Json.mapper().createObjectNode();
        body.put("user_id", userId).put("agent_id", agentId).put("session_id", sessionId);
        return new SearchRequest("", 1, Mode.HYBRID, id(body, "user_id"), id(body, "agent_id"), id(body, "session_id"),
                List.of(), null);
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

    private static Instant asOf(JsonNode body) {
        JsonNode node = body.get("as_of");
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(node.asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("as_of", "as_of must be an ISO-8601 date-time with offset, such as 2023-05-08T13:56:00Z");
        }
    }

    private static String id(JsonNode body, String name) {
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
