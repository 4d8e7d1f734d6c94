package dev.memlog.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.http.Json;
import dev.memlog.query.HybridRetriever;
import dev.memlog.query.MemoryIndex;
import dev.memlog.query.OpenSearchRest;
import dev.memlog.query.QueryService;
import dev.memlog.query.SearchRequest;
import dev.memlog.stack.Demo;
import dev.memlog.stack.LocalStack;
import dev.memlog.client.MemoryClient;
import dev.memlog.stack.locomo.LocomoFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replays LoCoMo-format conversations through the real platform (HTTP ingest, Kafka, consolidation, the
 * materializer, OpenSearch), one memory owner per conversation with each turn at its session's date, then asks
 * every question of categories 1-4 in hybrid, BM25-only and vector-only mode and scores the rankings and the
 * context packs against the evidence. Writes bench/results/&lt;name&gt;.json and .md and prints the table.
 */
public final class LocomoBenchmark {
    static final String TENANT = "bench";
    static final String KEY = "bench-key-" + java.util.UUID.randomUUID();
    static final List<String> MODES = List.of("hybrid", "bm25", "vector");
    /** Measured too when the stack runs with a reranker (RERANKER=sentence or llm): the hybrid pool, reranked. */
    static final String RERANKED = "hybrid+rerank";
    static final int TURN_K = 10;
    static final int SESSION_K = 30;
    static final int LATENCY_SAMPLES = 300;
    /** Conversations in the held-out check; the harness reports how subsets of this size spread on the file it runs. */
    static final int HELD_OUT = 3;
    /**
     * What consolidation derives besides the turns, and what retrieval weighs: "defaults" (the services' own defaults),
     * "turns" (nothing derived, no shaping from importance or strength), or parts added to "turns" and joined with '+':
     * "summaries" (centrality session summaries), "facts" (facts by rules), "importance" (IMPORTANCE_WEIGHT 0.1),
     * "strength" (forgetting on, STRENGTH_WEIGHT 0.1), "forgetting" (forgetting alone). Sessions close as in production
     * (a 30-minute gap in event time), except that the last session of each conversation, which nothing follows,
     * closes after 3 idle seconds instead of 30 minutes.
     */
    record Consolidation(String label, Map<String, String> settings) {
        static final int IDLE_SECONDS = 3;
        private static final Map<String, Map<String, String>> PARTS = Map.of(
                "summaries", Map.of("SUMMARIZER", "centrality", "SESSION_GAP_MINUTES", "30"),
                "facts", Map.of("FACT_EXTRACTOR", "rules"),
                "importance", Map.of("IMPORTANCE_WEIGHT", "0.1"),
                "strength", Map.of("FORGETTING", "true", "STRENGTH_WEIGHT", "0.1"),
                "forgetting", Map.of("FORGETTING", "true"));

        static Consolidation parse(String label) {
            Map<String, String> settings = new LinkedHashMap<>(Map.of("SESSION_IDLE_SECONDS", Integer.toString(IDLE_SECONDS)));
            if (label.equals("defaults")) {
                return new Consolidation(label, Map.copyOf(settings));
            }
            settings.putAll(Map.of("SUMMARIZER", "none", "FACT_EXTRACTOR", "none", "IMPORTANCE_WEIGHT", "0",
                    "FORGETTING", "false", "STRENGTH_WEIGHT", "0"));
            if (!label.equals("turns")) {
                for (String part : label.split("\\+")) {
                    if (!PARTS.containsKey(part)) {
                        throw new IllegalArgumentException("--consolidation takes defaults, turns, or summaries, facts,"
                                + " importance, strength and forgetting joined with +; got " + label);
                    }
                    settings.putAll(PARTS.get(part));
                }
            }
            return new Consolidation(label, Map.copyOf(settings));
        }
    }

    record Options(Path file, List<String> models, List<Consolidation> consolidation, Path outDir, String name, int questionLimit,
                   int sample, int threads) {
        static Options parse(String[] args) {
            Path file = Path.of("../shared/data/locomo-dev.json");
            List<String> models = List.of("bge-small-en-v1.5-q");
            List<Consolidation> consolidation = List.of(Consolidation.parse("defaults"));
            Path out = Path.of("bench/results");
            String name = "locomo-latest";
            int limit = Integer.MAX_VALUE;
            int sample = 1;
            int threads = 2;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--file" -> file = Path.of(args[++i]);
                    case "--models" -> models = List.of(args[++i].split(","));
                    case "--consolidation" -> consolidation = java.util.Arrays.stream(args[++i].split(","))
                            .map(Consolidation::parse).toList();
                    case "--out" -> out = Path.of(args[++i]);
                    case "--name" -> name = ResultFiles.checkedName(args[++i]);
                    case "--limit" -> limit = Integer.parseInt(args[++i]);
                    case "--sample" -> sample = Integer.parseInt(args[++i]);
                    case "--threads" -> threads = Integer.parseInt(args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + "; use --file F --models m1,m2 --consolidation defaults,turns,summaries+facts --out DIR --name NAME --limit N"
                            + " --sample EVERY_NTH --threads N");
                }
            }
            return new Options(file, models, consolidation, out, name, limit, sample, threads);
        }
    }

    private final Options options;
    private final PrintStream out = System.out;

    LocomoBenchmark(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        var options = Options.parse(args);
        if (!Files.exists(options.file())) {
            System.err.println("no such file: " + options.file().toAbsolutePath());
            System.exit(2);
        }
        new LocomoBenchmark(options).run();
        System.exit(0);
    }

    void run() throws Exception {
        List<LocomoFile.Conversation> conversations;
        try (InputStream in = Files.newInputStream(options.file())) {
            conversations = LocomoFile.read(in);
        }
        List<String> unresolved = conversations.stream().flatMap(c -> c.unresolvedEvidence().stream()).toList();
        out.printf("LoCoMo benchmark: %s, %d conversations, %d turns; unresolved evidence ids (reported, skipped): %s%n",
                options.file(), conversations.size(), conversations.stream().mapToInt(LocomoFile.Conversation::turnCount).sum(),
                unresolved);
        // one stack per embedding model and consolidation setting, each measured the same way
        Map<String, Object> models = new LinkedHashMap<>();
        for (String model : options.models()) {
            for (Consolidation setting : options.consolidation()) {
                String run = setting.label().equals("defaults") ? model : model + " + " + setting.label();
                models.put(run, evaluate(model, setting, conversations));
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> first = (Map<String, Object>) models.values().iterator().next();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("dataset", options.file().getFileName().toString());
        result.put("date", Instant.now().toString());
        result.put("machine", machine());
        result.put("path", "HTTP ingest -> Kafka -> consolidation-streams -> memory.records -> materializer -> OpenSearch; queries over HTTP");
        result.put("model", options.models().getFirst());
        result.put("methods", first.get("methods"));
        result.put("latency_ms", first.get("latency_ms"));
        result.put("ingest", first.get("ingest"));
        result.put("by_conversation", first.get("by_conversation"));
        result.put("held_out_spread", first.get("held_out_spread"));
        result.put("models", models);
        result.put("unresolved_evidence", unresolved);
        ResultFiles.write(options.outDir(), options.name(), result, MarkdownReport.render(result), out);
    }

    private Map<String, Object> evaluate(String model, Consolidation setting, List<LocomoFile.Conversation> conversations)
            throws Exception {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"),
                "memlog-bench-" + model + "-" + setting.label() + "-" + ProcessHandle.current().pid());
        var config = new LocalStack.Config(dir, 0, 0, 0, 0, 0, 0, ApiKeys.of(Map.of(KEY, TENANT)), model, 3,
                setting.settings());
        out.printf("%n== %s, consolidation %s: starting the stack%n", model, setting.label());
        try (var stack = new LocalStack(config, line -> out.println("   " + line.strip()))) {
            var client = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), KEY);
            var demo = new Demo(client, new PrintStream(java.io.OutputStream.nullOutputStream()));
            long started = System.nanoTime();
            int turns = 0;
            for (var c : conversations) {
                turns += demo.ingest(c);
            }
            double appendSeconds = (System.nanoTime() - started) / 1e9;
            for (var c : conversations) {
                demo.awaitSearchable(Demo.ownerOf(c), c.turnCount(), Duration.ofMinutes(20));
            }
            double searchableSeconds = (System.nanoTime() - started) / 1e9;
            out.printf("   ingested %d turns over HTTP in %.1f s; all searchable after %.1f s (%.0f turns/s end to end)%n",
                    turns, appendSeconds, searchableSeconds, turns / searchableSeconds);
            long derived = awaitDerived(client, conversations, turns);

            List<String> methods = new ArrayList<>(MODES);
            if (!"none".equals(QueryService.Config.from(stack.env()).reranker().kind())) {
                methods.add(RERANKED);
            }
            Map<String, MetricTable> tables = new LinkedHashMap<>();
            methods.forEach(m -> tables.put(m, new MetricTable()));
            Map<String, Percentiles> httpLatency = new LinkedHashMap<>();
            methods.forEach(m -> httpLatency.put(m, new Percentiles()));
            // every question of categories 1-4 with evidence, or every n-th of them with --sample n
            List<Map.Entry<LocomoFile.Conversation, LocomoFile.Question>> questions = new ArrayList<>();
            int seen = 0;
            for (var c : conversations) {
                for (var q : c.questions()) {
                    if (scored(q) && seen++ % options.sample() == 0 && questions.size() < options.questionLimit()) {
                        questions.add(Map.entry(c, q));
                    }
                }
            }
            var done = new java.util.concurrent.atomic.AtomicInteger();
            try (var pool = java.util.concurrent.Executors.newFixedThreadPool(options.threads())) {
                List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
                for (var entry : questions) {
                    futures.add(pool.submit(() -> {
                        for (String mode : methods) {
                            score(client, entry.getKey(), entry.getValue(), mode, tables.get(mode), httpLatency.get(mode));
                        }
                        if (done.incrementAndGet() % 100 == 0) {
                            out.printf("   %d/%d questions scored%n", done.get(), questions.size());
                        }
                        return null;
                    }));
                }
                for (var f : futures) {
                    f.get();
                }
            }
            Map<String, Object> scores = new LinkedHashMap<>();
            tables.forEach((m, t) -> scores.put(m, t.toJson()));
            Map<String, Object> byConversation = new LinkedHashMap<>();
            tables.forEach((m, t) -> byConversation.put(m, t.groupsJson()));
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("methods", scores);
            result.put("by_conversation", byConversation);
            result.put("held_out_spread", SubsetSpread.of(tables.get("hybrid").groupsJson(), HELD_OUT, 0.03));
            result.put("latency_ms", latency(stack, client, conversations, model));
            // every search of the scoring pass, k = 30, with the harness's threads running side by side: for
            // comparing methods with each other (a reranker's cost), not with other systems
            Map<String, Object> byMethod = new LinkedHashMap<>();
            httpLatency.forEach((m, p) -> byMethod.put(m, Map.of("p50", round(p.at(50)), "p95", round(p.at(95)))));
            result.put("search_latency_by_method_ms", byMethod);
            result.put("ingest", Map.of("turns", turns, "append_seconds", round(appendSeconds),
                    "searchable_seconds", round(searchableSeconds), "derived_records", derived));
            return result;
        }
    }

    /** Waits until the derived records (the last sessions' summaries, facts) are searchable: the count holds still for three seconds. */
    private long awaitDerived(MemoryClient client, List<LocomoFile.Conversation> conversations, int turns)
            throws IOException, InterruptedException {
        Thread.sleep((Consolidation.IDLE_SECONDS + 2) * 1000L);
        long last = -1;
        int still = 0;
        while (still < 3) {
            long total = 0;
            for (var c : conversations) {
                total += client.count(Demo.ownerOf(c));
            }
            still = total == last ? still + 1 : 0;
            last = total;
            Thread.sleep(1000);
        }
        out.printf("   %d derived records (summaries, facts) searchable besides the %d turns%n", last - turns, turns);
        return last - turns;
    }

    /**
     * The turns a hit stands for: a turn itself (its dia_id), a derived record the turns in its provenance, whose
     * event ids the harness gave as "conversation:dia_id".
     */
    static Set<String> coveredTurns(LocomoFile.Conversation c, JsonNode hit) {
        String dia = hit.path("metadata").path("dia_id").asText("");
        if (!dia.isEmpty()) {
            return Set.of(dia);
        }
        Set<String> turns = new java.util.LinkedHashSet<>();
        String prefix = c.sampleId() + ":";
        hit.path("event_ids").forEach(e -> {
            if (e.asText().startsWith(prefix)) {
                turns.add(e.asText().substring(prefix.length()));
            }
        });
        return turns;
    }

    /**
     * Every question is asked as of the day after its conversation's last session, the benchmark's own frame: time is
     * the conversation's (for recency and strength), and asking does not reinforce what it retrieves.
     */
    static Instant askedAt(LocomoFile.Conversation c) {
        return c.sessions().getLast().startedAt().plus(Duration.ofDays(1));
    }

    static boolean scored(LocomoFile.Question q) {
        return q.category() >= 1 && q.category() <= 4 && !q.evidence().isEmpty();
    }

    private void score(MemoryClient client, LocomoFile.Conversation c, LocomoFile.Question q, String mode,
                       MetricTable table, Percentiles latency) throws IOException {
        // the plain hybrid row never reranks, so it means the same whether or not the stack has a reranker
        ObjectNode request = Json.mapper().createObjectNode().put("query", q.question()).put("k", SESSION_K)
                .put("mode", mode.equals(RERANKED) ? "hybrid" : mode).put("user_id", Demo.ownerOf(c))
                .put("rerank", mode.equals(RERANKED)).put("as_of", askedAt(c).toString());
        long t = System.nanoTime();
        JsonNode hits = client.search(request).path("hits");
        latency.add((System.nanoTime() - t) / 1e6);
        List<Set<String>> ranked = new ArrayList<>();
        hits.forEach(h -> ranked.add(coveredTurns(c, h)));
        Set<String> evidence = new HashSet<>(q.evidence());
        Set<String> evidenceSessions = new HashSet<>();
        evidence.forEach(e -> evidenceSessions.add(RankingMetrics.sessionOf(e)));
        List<Set<String>> sessions = RankingMetrics.sessionsByBestTurn(ranked);
        int cat = q.category();
        table.add(cat, c.sampleId(), "hit_at_1", RankingMetrics.hitAt(1, ranked, evidence));
        table.add(cat, c.sampleId(), "recall_at_5", RankingMetrics.recallAt(5, ranked, evidence));
        table.add(cat, c.sampleId(), "recall_at_10", RankingMetrics.recallAt(10, ranked, evidence));
        table.add(cat, c.sampleId(), "ndcg_at_5", RankingMetrics.ndcgAt(5, ranked, evidence));
        table.add(cat, c.sampleId(), "mrr", RankingMetrics.reciprocalRank(TURN_K, ranked, evidence));
        table.add(cat, c.sampleId(), "session_hit_at_1", RankingMetrics.hitAt(1, sessions, evidenceSessions));
        table.add(cat, c.sampleId(), "session_ndcg_at_5", RankingMetrics.ndcgAt(5, sessions, evidenceSessions));
        for (int budget : new int[] {500, 1500}) {
            ObjectNode pack = request.deepCopy().put("k", 10).put("budget_tokens", budget);
            String context = client.context(pack).path("context").asText();
            table.add(cat, c.sampleId(), "answer_coverage_" + budget, AnswerCoverage.coverage(q.answer(), context));
        }
    }

    /**
     * p50/p95 of the HTTP endpoint (embedding included) against the same hybrid query sent to OpenSearch alone, and of
     * the same question as of the moment it was asked (the as-of index) against it live.
     */
    private Map<String, Object> latency(LocalStack stack, MemoryClient client, List<LocomoFile.Conversation> conversations,
                                        String model) throws IOException {
        // the same tuning the stack's query-service read from the environment
        var tuned = QueryService.Config.from(stack.env());
        var embeddings = OnnxEmbeddingProvider.fromSetting(model, tuned.queryInstruction());
        try (var os = new OpenSearchRest(stack.openSearchUrl())) {
            var index = new MemoryIndex(os, "memlog-records");
            var retriever = new HybridRetriever(os, index, embeddings, tuned.tuning());
            Percentiles http = new Percentiles();
            Percentiles asOf = new Percentiles();
            Percentiles engine = new Percentiles();
            int n = 0;
            outer:
            for (var c : conversations) {
                for (var q : c.questions()) {
                    if (!scored(q)) {
                        continue;
                    }
                    if (n++ >= LATENCY_SAMPLES) {
                        break outer;
                    }
                    ObjectNode request = Json.mapper().createObjectNode().put("query", q.question()).put("k", TURN_K)
                            .put("user_id", Demo.ownerOf(c)).put("rerank", false).put("reinforce", false);
                    long t = System.nanoTime();
                    client.search(request);
                    http.add((System.nanoTime() - t) / 1e6);
                    // the same question as of the moment it was asked: answered from the as-of index
                    ObjectNode past = request.deepCopy().put("as_of", askedAt(c).toString());
                    t = System.nanoTime();
                    client.search(past);
                    asOf.add((System.nanoTime() - t) / 1e6);
                    var engineRequest = retriever.engineRequest(TENANT, SearchRequest.parse(request)); // vector computed here
                    t = System.nanoTime();
                    os.call("POST", engineRequest.path(), engineRequest.body(), engineRequest.params());
                    engine.add((System.nanoTime() - t) / 1e6);
                }
            }
            Map<String, Object> latency = new LinkedHashMap<>();
            latency.put("samples", http.count());
            latency.put("http_search_p50", round(http.at(50)));
            latency.put("http_search_p95", round(http.at(95)));
            latency.put("opensearch_hybrid_p50", round(engine.at(50)));
            latency.put("opensearch_hybrid_p95", round(engine.at(95)));
            latency.put("ratio_p50", round(http.at(50) / engine.at(50)));
            latency.put("ratio_p95", round(http.at(95) / engine.at(95)));
            latency.put("http_search_asof_p50", round(asOf.at(50)));
            latency.put("http_search_asof_p95", round(asOf.at(95)));
            latency.put("asof_latency_ratio_p50", round(asOf.at(50) / http.at(50)));
            latency.put("asof_latency_ratio_p95", round(asOf.at(95) / http.at(95)));
            return latency;
        }
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("java", Runtime.version().toString());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        try {
            Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .ifPresent(l -> m.put("cpu", l.substring(l.indexOf(':') + 1).strip()));
        } catch (IOException ignored) {
            // not Linux
        }
        return m;
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
