package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.ApiException;
import dev.memlog.schemas.avro.MemoryTier;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A validated retrieval request: the query text, how many hits, and the scope to search within. */
public record SearchRequest(String query, int k, String userId, String agentId, String sessionId, List<MemoryTier> tiers) {
    static final int MAX_K = 100;
    static final int MAX_QUERY_CHARS = 2000;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@/+-]{1,128}");

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
        List<MemoryTier> tiers = new ArrayList<>();
        JsonNode tierNode = body.get("tiers");
        if (tierNode != null && !tierNode.isNull()) {
            if (!tierNode.isArray()) {
                throw ApiException.badRequest("tiers", "tiers must be an array such as [\"episodic\",\"semantic\"]");
            }
            for (JsonNode t : tierNode) {
                try {
                    tiers.add(MemoryTier.valueOf(t.asText().toUpperCase()));
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("tiers", "unknown tier '" + t.asText() + "'; known: working, episodic, semantic, procedural");
                }
            }
        }
        return new SearchRequest(q.asText(), k, id(body, "user_id"), id(body, "agent_id"), id(body, "session_id"), List.copyOf(tiers));
    }

    /** A scope without a query, from query parameters, validated like the body fields. */
    public static SearchRequest scope(String userId, String agentId, String sessionId) {
        var body = dev.memlog.common.http.Json.mapper().createObjectNode();
        body.put("user_id", userId).put("agent_id", agentId).put("session_id", sessionId);
        return new SearchRequest("", 1, id(body, "user_id"), id(body, "agent_id"), id(body, "session_id"), List.of());
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
