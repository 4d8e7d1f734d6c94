package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.http.Json;
import dev.memlog.common.memory.StrengthModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BM25 and k-NN run as one OpenSearch hybrid query, both restricted to the caller's tenant and scope inside the
 * query (so a small tenant still gets k results) and fused by the index's normalization pipeline; the candidate
 * pool is then shaped by the dialogue rules, recency, importance and strength, optionally reranked, and cut to k,
 * every hit carrying the components of its score.
 */
public final class HybridRetriever {
    private static final Logger log = LoggerFactory.getLogger(HybridRetriever.class);
    /** Candidates the vector side considers per requested hit: recall before precision. */
    static final int CANDIDATE_FACTOR = 5;
    static final int MIN_CANDIDATES = 50;
    /** Candidates shaped and reranked per requested hit: enough that an answer and the question before it both get in. */
    static final int POOL_FACTOR = 3;
    static final int MIN_POOL = 30;
    private static final Pattern TERM = Pattern.compile("weight\\(\\w+:(\\S+) in ");
    private static final Pattern WITHIN_TOP = Pattern.compile("^within top (\\d+)");

    /** How the fused relevance weighs BM25, the turn's vector and the vector of the turn in its context; sums to 1. */
    public record FusionWeights(double bm25, double vector, double context) {
        public FusionWeights {
            if (Math.abs(bm25 + vector + context - 1) > 1e-9 || bm25 < 0 || vector < 0 || context < 0) {
                throw new IllegalArgumentException("fusion weights must be >= 0 and sum to 1");
            }
        }

        /** @param vectorWeight the vector side's share; @param contextShare the part of it given to the context vector */
        public static FusionWeights of(double vectorWeight, double contextShare) {
            return new FusionWeights(1 - vectorWeight, vectorWeight * (1 - contextShare), vectorWeight * contextShare);
        }
    }

    /** Everything that decides the order: fusion, dialogue rules, shaping, and an optional reranker with its weight. */
    public record Tuning(FusionWeights fusion, DialogueShaper dialogue, ScoreShaper shaper, Reranker reranker,
                         double rerankWeight) {
        public Tuning {
            if (rerankWeight < 0 || rerankWeight > 1) {
                throw new IllegalArgumentException("rerank weight must be between 0 and 1");
            }
            rerankWeight = reranker == null ? 0 : rerankWeight;
        }

        public Tuning withReranker(Reranker newReranker, double newWeight) {
            return new Tuning(fusion, dialogue, shaper, newReranker, newWeight);
        }
    }

    private final OpenSearchRest os;
    private final MemoryIndex index;
    private final Embedders embedders;
    private final Tuning tuning;
    private final LifecycleIndexes lifecycle;
    private final StrengthModel strengthModel;

    /** Without use histories: nothing counts as reinforced. */
    public HybridRetriever(OpenSearchRest os, MemoryIndex index, EmbeddingProvider embeddings, Tuning tuning) {
        this(os, index, embeddings, tuning, null, null);
    }

    /** @param lifecycle where use histories are, for strength; @param strengthModel how strength follows from them */
    public HybridRetriever(OpenSearchRest os, MemoryIndex index, EmbeddingProvider embeddings, Tuning tuning,
                           LifecycleIndexes lifecycle, StrengthModel strengthModel) {
        this(os, index, new Embedders(embeddings, id -> {
            throw new IllegalArgumentException("only " + embeddings.modelId() + " is loaded");
        }), tuning, lifecycle, strengthModel);
    }

    /** @param embedders the models queries are embedded with: that of the generation each query searches */
    HybridRetriever(OpenSearchRest os, MemoryIndex index, Embedders embedders, Tuning tuning, LifecycleIndexes lifecycle,
                    StrengthModel strengthModel) {
        this.os = os;
        this.index = index;
        this.embedders = embedders;
        this.tuning = tuning;
        this.lifecycle = lifecycle;
        this.strengthModel = strengthModel;
    }

    /** One retrieved memory, its score and why. */
    public record Hit(String recordId, double score, String text, String tier, String userId, String agentId,
                      String sessionId, String role, Instant observedAt, double importance, List<String> eventIds,
                      Map<String, String> metadata, Explanation explanation) {

        Hit withExplanation(Explanation e) {
            return new Hit(recordId, e.score(), text, tier, userId, agentId, sessionId, role, observedAt, importance,
                    eventIds, metadata, e);
        }
    }

    /** How many candidates a request fetches: the top k, or for a hybrid search the pool that is shaped and cut to k. */
    public static int poolSize(SearchRequest request) {
        int pool = request.mode() == SearchRequest.Mode.HYBRID ? Math.max(MIN_POOL, request.k() * POOL_FACTOR) : request.k();
        return Math.min(pool, 3 * SearchRequest.MAX_K);
    }

    public List<Hit> search(String tenant, SearchRequest request) {
        int pool = poolSize(request);
        // one generation for the whole query: its index, and the model its vectors come from for the query's vector
        Generation generation = index.generations().current();
        JsonNode response = os.call("POST", "/" + target(request, generation) + "/_search",
                body(tenant, request, pool, generation).toString(), params(request.mode()));
        Instant reference = request.asOf() != null ? request.asOf() : Instant.now();
        boolean rerank = tuning.reranker() != null && !Boolean.FALSE.equals(request.rerank())
                && request.mode() == SearchRequest.Mode.HYBRID;
        List<Hit> hits = switch (request.mode()) {
            case BM25, VECTOR -> {
                List<Hit> single = new ArrayList<>();
                for (JsonNode hit : response.path("hits").path("hits")) {
                    double score = hit.path("_score").asDouble();
                    single.add(toHit(hit, request.mode() == SearchRequest.Mode.BM25
                            ? Explanation.lexical(score, matchedTerms(hit.path("_explanation")))
                            : Explanation.semantic(score)));
                }
                yield single;
            }
            case HYBRID -> shaped(tenant, request, response.path("hits").path("hits"), reference,
                    rerank ? tuning.rerankWeight() : 0);
        };
        if (rerank && !hits.isEmpty()) {
            hits = rerank(request.query(), hits);
        }
        hits.sort(Comparator.comparingDouble(Hit::score).reversed());
        hits = onePerMemory(hits);
        return hits.size() > request.k() ? List.copyOf(hits.subList(0, request.k())) : hits;
    }

    /**
     * The index a request reads: the live one, or for {@code as_of} the versions that were known, each in effect for a
     * span of event time, so what was forgotten or deleted since answers as it did then.
     */
    String target(SearchRequest request) {
        return target(request, index.generations().current());
    }

    private String target(SearchRequest request, Generation generation) {
        return request.asOf() != null && lifecycle != null ? generation.asOf() : generation.live();
    }

    /** The best-scored version of each memory: as of a moment only one is in effect, save where the log skipped one. */
    private static List<Hit> onePerMemory(List<Hit> sorted) {
        Set<String> seen = new java.util.HashSet<>();
        List<Hit> out = new ArrayList<>(sorted.size());
        for (Hit hit : sorted) {
            if (seen.add(hit.recordId())) {
                out.add(hit);
            }
        }
        return out;
    }

    /** The raw OpenSearch request for a query vector; exposed so the benchmark can time the engine alone. */
    public ObjectNode body(String tenant, SearchRequest request, int size) {
        return body(tenant, request, size, index.generations().current());
    }

    private ObjectNode body(String tenant, SearchRequest request, int size, Generation generation) {
        ArrayNode filters = filters(tenant, request);
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("size", size);
        body.putObject("_source").putArray("excludes").add("embedding").add("context_embedding");
        ObjectNode query = body.putObject("query");
        int k = candidates(request);
        switch (request.mode()) {
            case BM25 -> lexical(query, request, filters);
            case VECTOR -> knn(query, "embedding", vector(request, generation), k, filters);
            case HYBRID -> {
                ArrayNode queries = query.putObject("hybrid").putArray("queries");
                float[] vector = vector(request, generation);
                lexical(queries.addObject(), request, filters);
                knn(queries.addObject(), "embedding", vector, k, filters);
                // one more candidate than the turn side: the explanation tells the two k-NN sub-queries apart by k
                knn(queries.addObject(), "context_embedding", vector, k + 1, filters);
            }
        }
        return body;
    }

    public Map<String, String> params(SearchRequest.Mode mode) {
        return switch (mode) {
            case HYBRID -> Map.of("search_pipeline", index.pipeline(), "explain", "true");
            case BM25 -> Map.of("explain", "true");
            case VECTOR -> Map.of();
        };
    }

    private void lexical(ObjectNode query, SearchRequest request, ArrayNode filters) {
        ObjectNode bool = query.putObject("bool");
        bool.putArray("must").addObject().putObject("match").putObject("search_text").put("query", request.query());
        bool.set("filter", filters.deepCopy());
    }

    private float[] vector(SearchRequest request, Generation generation) {
        try {
            return embedders.of(generation.model()).embedQuery(request.query());
        } catch (Embedders.UnknownModel e) {
            throw new dev.memlog.common.http.ApiException(503, e.getMessage(), "index");
        }
    }

    private static void knn(ObjectNode query, String field, float[] vector, int k, ArrayNode filters) {
        ObjectNode knn = query.putObject("knn").putObject(field);
        ArrayNode v = knn.putArray("vector");
        for (float f : vector) {
            v.add(f);
        }
        knn.put("k", k);
        knn.putObject("filter").putObject("bool").set("filter", filters.deepCopy());
    }

    /** How many candidates each k-NN sub-query gathers for a request. */
    private static int candidates(SearchRequest request) {
        return Math.max(MIN_CANDIDATES, request.k() * CANDIDATE_FACTOR);
    }

    /** The context sub-query asks for one more, which is how the explanation tells it apart. */
    private static int contextK(SearchRequest request) {
        return candidates(request) + 1;
    }

    private static Hit toHit(JsonNode hit, Explanation explanation) {
        JsonNode src = hit.path("_source");
        List<String> provenance = new ArrayList<>();
        src.path("provenance").forEach(p -> provenance.add(p.asText()));
        Map<String, String> metadata = new LinkedHashMap<>();
        src.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
        return new Hit(recordId(hit), explanation.score(), src.path("text").asText(), src.path("tier").asText(),
                text(src, "user_id"), text(src, "agent_id"), text(src, "session_id"), text(src, "role"),
                Instant.ofEpochMilli(src.path("observed_at").asLong()), src.path("importance").asDouble(0.5), provenance,
                metadata, explanation);
    }

    /** The normalised score of each sub-query for one hit, as the pipeline's explanation reports them. */
    private record SubScores(double bm25, double vector, double context, Double bm25Raw, Double vectorRaw, Double contextRaw) {
    }

    /**
     * Reads the normalised score of each sub-query from the pipeline's explanation: the k-NN ones are the
     * "within top k" details, the context one with one more candidate.
     */
    private static SubScores subScores(JsonNode explanation, int contextK) {
        double bm25 = 0;
        double vector = 0;
        double context = 0;
        Double bm25Raw = null;
        Double vectorRaw = null;
        Double contextRaw = null;
        for (JsonNode detail : explanation.path("details")) {
            JsonNode inner = detail.path("details").path(0);
            Matcher knn = WITHIN_TOP.matcher(inner.path("description").asText());
            if (!knn.find()) {
                bm25 = detail.path("value").asDouble();
                bm25Raw = inner.path("value").asDouble();
            } else if (Integer.parseInt(knn.group(1)) == contextK) {
                context = detail.path("value").asDouble();
                contextRaw = inner.path("value").asDouble();
            } else {
                vector = detail.path("value").asDouble();
                vectorRaw = inner.path("value").asDouble();
            }
        }
        return new SubScores(bm25, vector, context, bm25Raw, vectorRaw, contextRaw);
    }

    /**
     * Weighs the sub-query scores as the pipeline did, lets the dialogue rules move each candidate's relevance
     * within the pool, then applies the shaping weights.
     */
    private List<Hit> shaped(String tenant, SearchRequest request, JsonNode hits, Instant reference, double rerankWeight) {
        FusionWeights w = tuning.fusion();
        ScoreShaper shaper = tuning.shaper();
        int contextK = contextK(request);
        List<SubScores> scores = new ArrayList<>();
        List<DialogueShaper.Turn> turns = new ArrayList<>();
        for (JsonNode hit : hits) {
            SubScores s = subScores(hit.path("_explanation"), contextK);
            scores.add(s);
            JsonNode src = hit.path("_source");
            turns.add(new DialogueShaper.Turn(recordId(hit), text(src, "follows"), text(src, "speaker"),
                    src.path("text").asText(), w.bm25() * s.bm25() + w.vector() * s.vector() + w.context() * s.context()));
        }
        List<DialogueShaper.Adjustment> moves = tuning.dialogue().adjust(request.query(), turns);
        List<String> ids = turns.stream().map(DialogueShaper.Turn::recordId).toList();
        Map<String, JsonNode> uses = shaper.strengthWeight() <= 0 || lifecycle == null ? Map.of()
                : request.asOf() == null ? lifecycle.strengths(tenant, ids) : lifecycle.strengthsAt(tenant, ids, request.asOf());
        double keep = 1 - rerankWeight;
        double share = shaper.relevanceShare() * keep;
        List<Hit> shaped = new ArrayList<>();
        int i = 0;
        for (JsonNode hit : hits) {
            SubScores s = scores.get(i);
            DialogueShaper.Adjustment move = moves.get(i);
            double fused = turns.get(i++).relevance();
            JsonNode src = hit.path("_source");
            double recency = keep * shaper.recencyWeight()
                    * shaper.recency(Instant.ofEpochMilli(src.path("observed_at").asLong()), reference);
            double importance = keep * shaper.importanceWeight() * src.path("importance").asDouble(0.5);
            double strength = keep * shaper.strengthWeight() * strength(hit, uses, reference, request.asOf() != null);
            double bm25 = share * w.bm25() * s.bm25();
            double vector = share * (w.vector() * s.vector() + w.context() * s.context());
            double score = bm25 + vector + share * move.total() + recency + importance + strength;
            shaped.add(toHit(hit, new Explanation(bm25, vector, share * move.neighbour(), share * move.question(),
                    share * move.speaker(), fused, recency, importance, strength, 0, score, s.bm25Raw(), s.vectorRaw(),
                    s.contextRaw(), matchedTerms(hit.path("_explanation")))));
        }
        return shaped;
    }

    /**
     * What use has added to the memory's strength at the reference time (its reinforcement): 0 for a memory nobody
     * used, and without use histories to read; age and importance have shaping components of their own.
     */
    private double strength(JsonNode hit, Map<String, JsonNode> uses, Instant reference, boolean past) {
        JsonNode history = uses.get(recordId(hit));
        if (lifecycle == null || strengthModel == null || history == null) {
            return 0.0;
        }
        JsonNode src = hit.path("_source");
        Map<String, String> metadata = new LinkedHashMap<>();
        src.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
        var used = LifecycleIndexes.uses(history, Instant.ofEpochMilli(src.path("valid_from").asLong()),
                src.path("importance").asDouble(0.5), src.path("tier").asText(), metadata);
        // as of a past moment, only the uses before it: a use after it had not yet happened
        return strengthModel.reinforcement(past ? used.before(reference) : used, reference);
    }

    /** Adds the reranker's judgement; if the reranker fails, the hits keep their shaped order and say so in the log. */
    private List<Hit> rerank(String query, List<Hit> hits) {
        double[] scores;
        try {
            scores = tuning.reranker().scores(query, hits.stream().map(Hit::text).toList());
        } catch (RuntimeException e) {
            log.warn("reranker {} failed, results keep their shaped order: {}", tuning.reranker().name(), e.toString());
            return hits;
        }
        List<Hit> reranked = new ArrayList<>(hits.size());
        for (int i = 0; i < hits.size(); i++) {
            Hit h = hits.get(i);
            reranked.add(h.withExplanation(h.explanation().withRerank(tuning.rerankWeight() * scores[i])));
        }
        return reranked;
    }

    static List<String> matchedTerms(JsonNode explanation) {
        Set<String> terms = new LinkedHashSet<>();
        collectTerms(explanation, terms);
        return List.copyOf(terms);
    }

    private static void collectTerms(JsonNode node, Set<String> terms) {
        Matcher m = TERM.matcher(node.path("description").asText());
        while (m.find()) {
            terms.add(m.group(1));
        }
        node.path("details").forEach(d -> collectTerms(d, terms));
    }

    /** How many live memories the tenant has within the scope. */
    public long count(String tenant, SearchRequest scope) {
        ObjectNode body = Json.mapper().createObjectNode();
        body.putObject("query").putObject("bool").set("filter", filters(tenant, scope));
        return os.call("POST", "/" + index.alias() + "/_count", body.toString()).path("count").asLong();
    }

    /** The memory a hit is a version of: the live index keys documents by it, the as-of index by it and a version. */
    static String recordId(JsonNode hit) {
        String id = hit.path("_source").path("record_id").asText("");
        return id.isEmpty() ? hit.path("_id").asText() : id;
    }

    private static String text(JsonNode src, String field) {
        JsonNode node = src.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }

    /**
     * Tenant always; user, agent, session, tiers, observation time range and metadata values when asked. Only
     * memories valid now are searched, or with as_of, the versions in effect and valid at that moment.
     */
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
        if (request.observedFrom() != null || request.observedTo() != null) {
            ObjectNode range = filters.addObject().putObject("range").putObject("observed_at");
            if (request.observedFrom() != null) {
                range.put("gte", request.observedFrom().toEpochMilli());
            }
            if (request.observedTo() != null) {
                range.put("lte", request.observedTo().toEpochMilli());
            }
        }
        request.metadata().forEach((key, value) -> term(filters, "metadata." + key, value));
        if (request.asOf() == null) {
            filters.addObject().putObject("bool").putObject("must_not").putObject("exists").put("field", "valid_to");
        } else {
            // as of a past moment: what was valid then, including facts superseded since
            AsOfIndex.knownAt(filters, request.asOf());
        }
        return filters;
    }

    private static void term(ArrayNode filters, String field, String value) {
        if (value != null) {
            filters.addObject().putObject("term").put(field, value);
        }
    }
}
