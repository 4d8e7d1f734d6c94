package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.http.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * BM25 and k-NN run as one OpenSearch hybrid query, both restricted to the caller's tenant and scope inside the
 * query (so a small tenant still gets k results), and fused by the index's normalization search pipeline.
 */
public final class HybridRetriever {
    /** Candidates the vector side considers per requested hit: recall before precision. */
    static final int CANDIDATE_FACTOR = 5;
    static final int MIN_CANDIDATES = 50;

    private final OpenSearchRest os;
    private final MemoryIndex index;
    private final EmbeddingProvider embeddings;

    public HybridRetriever(OpenSearchRest os, MemoryIndex index, EmbeddingProvider embeddings) {
        this.os = os;
        this.index = index;
        this.embeddings = embeddings;
    }

    /** One retrieved memory and its fused score. */
    public record Hit(String recordId, double score, String text, String tier, String userId, String agentId,
                      String sessionId, String role, String observedAt, List<String> eventIds, Map<String, String> metadata) {
    }

    public List<Hit> search(String tenant, SearchRequest request) {
        float[] vector = embeddings.embedQuery(request.query());
        ArrayNode filters = filters(tenant, request);
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("size", request.k());
        body.putObject("_source").putArray("excludes").add("embedding");
        ArrayNode queries = body.putObject("query").putObject("hybrid").putArray("queries");

        ObjectNode lexical = queries.addObject().putObject("bool");
        lexical.putArray("must").addObject().putObject("match").putObject("text").put("query", request.query());
        lexical.set("filter", filters.deepCopy());

        ObjectNode knn = queries.addObject().putObject("knn").putObject("embedding");
        ArrayNode v = knn.putArray("vector");
        for (float f : vector) {
            v.add(f);
        }
        knn.put("k", Math.max(MIN_CANDIDATES, request.k() * CANDIDATE_FACTOR));
        knn.putObject("filter").putObject("bool").set("filter", filters.deepCopy());

        JsonNode response = os.call("POST", "/" + index.alias() + "/_search", body.toString(),
                Map.of("search_pipeline", index.pipeline()));
        List<Hit> hits = new ArrayList<>();
        for (JsonNode hit : response.path("hits").path("hits")) {
            JsonNode src = hit.path("_source");
            List<String> provenance = new ArrayList<>();
            src.path("provenance").forEach(p -> provenance.add(p.asText()));
            Map<String, String> metadata = new java.util.LinkedHashMap<>();
            src.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
            hits.add(new Hit(hit.path("_id").asText(), hit.path("_score").asDouble(), src.path("text").asText(),
                    src.path("tier").asText(), text(src, "user_id"), text(src, "agent_id"), text(src, "session_id"),
                    text(src, "role"), java.time.Instant.ofEpochMilli(src.path("observed_at").asLong()).toString(),
                    provenance, metadata));
        }
        return hits;
    }

    /** How many live memories the tenant has within the scope. */
    public long count(String tenant, SearchRequest scope) {
        ObjectNode body = Json.mapper().createObjectNode();
        body.putObject("query").putObject("bool").set("filter", filters(tenant, scope));
        return os.call("POST", "/" + index.alias() + "/_count", body.toString()).path("count").asLong();
    }

    private static String text(JsonNode src, String field) {
        JsonNode node = src.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    /** Tenant always; user, agent, session and tiers when asked. Only memories valid now are searched. */
    static ArrayNode filters(String tenant, SearchRequest request) {
        ArrayNode filters = Json.mapper().createArrayNode();
        term(filters, "tenant_id", tenant);
        term(filters, "user_id", request.userId());
        term(filters, "agent_id", request.agentId());
        term(filters, "session_id", request.sessionId());
        if (!request.tiers().isEmpty()) {
            ArrayNode tiers = filters.addObject().putObject("terms").putArray("tier");
            request.tiers().forEach(t -> tiers.add(t.name()));
        }
        filters.addObject().putObject("bool").putObject("must_not").putObject("exists").put("field", "valid_to");
        return filters;
    }

    private static void term(ArrayNode filters, String field, String value) {
        if (value != null) {
            filters.addObject().putObject("term").put(field, value);
        }
    }
}
