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
 * BM25 and the two k-NN queries run in one round trip, each restricted to the caller's tenant and scope inside the
 * query (so a small tenant still gets k results), and are fused here as the engine's min-max normalization would
 * ({@link HybridFusion}); the candidate pool is then shaped by the dialogue rules, recency, importance and strength,
 * optionally reranked, and cut to k, every hit carrying the components of its score.
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
        return search(tenant, request, Stages.NONE);
    }

    /** @param stages where the time of each stage is added */
    List<Hit> search(String tenant, SearchRequest request, Stages stages) {
        // one generation for the whole query: its index, and the model its vectors come from for the query's vector
        Generation generation = index.generations().current();
        EngineRequest engine = engineRequest(tenant, request, generation, stages);
        JsonNode response = stages.time("search", () -> os.call("POST", engine.path(), engine.body(), engine.params()));
        long shaping = System.nanoTime();
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
            case HYBRID -> {
                List<JsonNode> lists = new ArrayList<>(3);
                for (JsonNode answer : response.path("responses")) {
                    if (answer.has("error")) {
                        throw new OpenSearchRest.OpenSearchException(answer.path("status").asInt(500),
                                "POST /_msearch -> " + answer.path("status").asInt(500) + ": " + answer.path("error"));
                    }
                    lists.add(answer.path("hits").path("hits"));
                }
                FusionWeights w = tuning.fusion();
                var candidates = HybridFusion.fuse(lists, new double[] {w.bm25(), w.vector(), w.context()}, poolSize(request));
                yield shaped(tenant, request, candidates, reference, rerank ? tuning.rerankWeight() : 0, stages);
            }
        };
        if (rerank && !hits.isEmpty()) {
            List<Hit> shaped = hits;
            hits = stages.time("rerank", () -> rerank(request.query(), shaped));
        }
        hits.sort(Comparator.comparingDouble(Hit::score).reversed());
        hits = onePerMemory(hits);
        List<Hit> out = hits.size() > request.k() ? List.copyOf(hits.subList(0, request.k())) : hits;
        stages.add("shape", System.nanoTime() - shaping - stages.nanos("strength") - stages.nanos("rerank"));
        return out;
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

    /** What is sent to the engine for one search: a path, its body and parameters. */
    public record EngineRequest(String path, String body, Map<String, String> params) {
    }

    /**
     * The engine's request for a search, the query embedded here: one search for BM25 or the vector alone; for a hybrid
     * search, its three sub-queries in one {@code _msearch}, each with the candidate pool's size, fused here. Exposed so
     * the benchmark can time the engine alone.
     */
    public EngineRequest engineRequest(String tenant, SearchRequest request) {
        return engineRequest(tenant, request, index.generations().current(), Stages.NONE);
    }

    private EngineRequest engineRequest(String tenant, SearchRequest request, Generation generation, Stages stages) {
        String target = target(request, generation);
        int pool = poolSize(request);
        ArrayNode filters = filters(tenant, request);
        int k = candidates(request);
        // the engine's explanation is costly: only BM25's, and only when the caller asks which terms matched
        Map<String, String> explain = request.explain() ? Map.of("explain", "true") : Map.of();
        return switch (request.mode()) {
            case BM25 -> new EngineRequest("/" + target + "/_search", search(pool, lexical(request, filters)).toString(), explain);
            case VECTOR -> new EngineRequest("/" + target + "/_search", search(pool, knn("embedding",
                    stages.time("embed", () -> vector(request, generation)), k, filters)).toString(), Map.of());
            case HYBRID -> {
                float[] vector = stages.time("embed", () -> vector(request, generation));
                ObjectNode lexical = search(pool, lexical(request, filters));
                if (request.explain()) {
                    lexical.put("explain", true);
                }
                String header = Json.mapper().createObjectNode().put("index", target).toString();
                String body = header + "\n" + lexical + "\n"
                        + header + "\n" + search(pool, knn("embedding", vector, k, filters)) + "\n"
                        + header + "\n" + search(pool, knn("context_embedding", vector, k, filters)) + "\n";
                yield new EngineRequest("/_msearch", body, Map.of());
            }
        };
    }

    /** The fields a hit is read from: never the vectors. */
    static final List<String> HIT_FIELDS = List.of("record_id", "tenant_id", "user_id", "agent_id", "session_id", "follows",
            "tier", "role", "text", "speaker", "importance", "observed_at", "valid_from", "valid_to", "provenance", "metadata");

    private static ObjectNode search(int size, ObjectNode query) {
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("size", size);
        ArrayNode fields = body.putObject("_source").putArray("includes");
        HIT_FIELDS.forEach(fields::add);
        body.set("query", query);
        return body;
    }

    private static ObjectNode lexical(SearchRequest request, ArrayNode filters) {
        ObjectNode query = Json.mapper().createObjectNode();
        ObjectNode bool = query.putObject("bool");
        bool.putArray("must").addObject().putObject("match").putObject("search_text").put("query", request.query());
        bool.set("filter", filters.deepCopy());
        return query;
    }

    private float[] vector(SearchRequest request, Generation generation) {
        try {
            return embedders.of(generation.model()).embedQuery(request.query());
        } catch (Embedders.UnknownModel e) {
            throw new dev.memlog.common.http.ApiException(503, e.getMessage(), "index");
        }
    }

    private static ObjectNode knn(String field, float[] vector, int k, ArrayNode filters) {
        ObjectNode query = Json.mapper().createObjectNode();
        ObjectNode knn = query.putObject("knn").putObject(field);
        ArrayNode v = knn.putArray("vector");
        for (float f : vector) {
            v.add(f);
        }
        knn.put("k", k);
        knn.putObject("filter").putObject("bool").set("filter", filters.deepCopy());
        return query;
    }

    /** How many candidates each k-NN sub-query gathers for a request. */
    private static int candidates(SearchRequest request) {
        return Math.max(MIN_CANDIDATES, request.k() * CANDIDATE_FACTOR);
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

    /**
     * Weighs the sub-query scores as the engine's normalization does, lets the dialogue rules move each candidate's
     * relevance within the pool, then applies the shaping weights.
     */
    private List<Hit> shaped(String tenant, SearchRequest request, List<HybridFusion.Candidate> candidates, Instant reference,
                             double rerankWeight, Stages stages) {
        FusionWeights w = tuning.fusion();
        ScoreShaper shaper = tuning.shaper();
        List<DialogueShaper.Turn> turns = new ArrayList<>();
        for (var c : candidates) {
            JsonNode src = c.hit().path("_source");
            turns.add(new DialogueShaper.Turn(recordId(c.hit()), text(src, "follows"), text(src, "speaker"),
                    src.path("text").asText(), c.fused()));
        }
        List<DialogueShaper.Adjustment> moves = tuning.dialogue().adjust(request.query(), turns);
        List<String> ids = turns.stream().map(DialogueShaper.Turn::recordId).toList();
        Map<String, JsonNode> uses = shaper.strengthWeight() <= 0 || lifecycle == null ? Map.of()
                : stages.time("strength", () -> request.asOf() == null ? lifecycle.strengths(tenant, ids)
                : lifecycle.strengthsAt(tenant, ids, request.asOf()));
        double keep = 1 - rerankWeight;
        double share = shaper.relevanceShare() * keep;
        List<Hit> shaped = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            var c = candidates.get(i);
            JsonNode hit = c.hit();
            DialogueShaper.Adjustment move = moves.get(i);
            double[] n = c.normalized();
            JsonNode src = hit.path("_source");
            double recency = keep * shaper.recencyWeight()
                    * shaper.recency(Instant.ofEpochMilli(src.path("observed_at").asLong()), reference);
            double importance = keep * shaper.importanceWeight() * src.path("importance").asDouble(0.5);
            double strength = keep * shaper.strengthWeight() * strength(hit, uses, reference, request.asOf() != null);
            double bm25 = share * w.bm25() * n[0];
            double vector = share * (w.vector() * n[1] + w.context() * n[2]);
            double score = bm25 + vector + share * move.total() + recency + importance + strength;
            List<String> terms = c.raw()[0] == null ? List.of() : matchedTerms(hit.path("_explanation"));
            shaped.add(toHit(hit, new Explanation(bm25, vector, share * move.neighbour(), share * move.question(),
                    share * move.speaker(), c.fused(), recency, importance, strength, 0, score, c.raw()[0], c.raw()[1],
                    c.raw()[2], terms)));
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
