package dev.memlog.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.http.Json;
import dev.memlog.consolidation.ConsolidationRules;
import dev.memlog.consolidation.EpisodeRecorder;
import dev.memlog.query.HybridRetriever;
import dev.memlog.query.MemoryIndex;
import dev.memlog.query.OpenSearchRest;
import dev.memlog.query.QueryService;
import dev.memlog.query.SearchRequest;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.RecordKinds;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.stack.LocalStack;
import dev.memlog.client.MemoryClient;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code ./benchmark load}: the platform under load on loopback, each figure beside a baseline of the same run.
 * Retrieval at each size (one client, then more until it saturates) against the same engine requests sent to
 * OpenSearch alone; consolidation against the embedding model alone on the same texts; how soon an append is
 * searchable; append acknowledgement under an open-model load against a raw Kafka producer with the same settings;
 * resident memory, index size and the node's heap. Bounded in count and time; writes bench/results/load-latest.json
 * and .md.
 */
public final class LoadBenchmark {
    private static final String TENANT = "load";
    private static final String KEY = "load-bench-key-0123456789abcdef";
    private static final int OWNERS = 200;
    private static final int SATURATION_SECONDS = 8;
    private static final double SATURATION_P99_MS = 150;

    record Options(List<Integer> sizes, int queries, int appendRate, int appendSeconds, int batchEvents,
                   int consolidationTurns, int searchableRate, int searchableSeconds, String openSearchHeap, Path outDir, String name) {
        static Options parse(List<String> args) {
            List<Integer> sizes = List.of(10_000, 100_000);
            int queries = 300;
            int appendRate = 200;
            int appendSeconds = 10;
            int batchEvents = 20_000;
            int consolidationTurns = 2_000;
            int searchableRate = 50;
            int searchableSeconds = 20;
            String heap = "1g";
            String name = "load-latest";
            for (int i = 0; i + 1 < args.size(); i += 2) {
                String value = args.get(i + 1);
                switch (args.get(i)) {
                    case "--sizes" -> sizes = java.util.Arrays.stream(value.split(",")).map(String::strip).map(Integer::parseInt).toList();
                    case "--queries" -> queries = Integer.parseInt(value);
                    case "--append-rate" -> appendRate = Integer.parseInt(value);
                    case "--append-seconds" -> appendSeconds = Integer.parseInt(value);
                    case "--batch-events" -> batchEvents = Integer.parseInt(value);
                    case "--consolidation-turns" -> consolidationTurns = Integer.parseInt(value);
                    case "--searchable-rate" -> searchableRate = Integer.parseInt(value);
                    case "--searchable-seconds" -> searchableSeconds = Integer.parseInt(value);
                    case "--opensearch-heap" -> heap = value;
                    case "--name" -> name = ResultFiles.checkedName(value);
                    default -> throw new IllegalArgumentException("unknown option " + args.get(i) + "; ./benchmark load takes --sizes"
                            + " 10000,100000,1000000 --queries N --append-rate N --append-seconds N --batch-events N"
                            + " --consolidation-turns N --searchable-rate N --searchable-seconds N --opensearch-heap 1g --name load-latest");
                }
            }
            if (sizes.stream().anyMatch(s -> s < OWNERS) || !sizes.equals(sizes.stream().sorted().toList())) {
                throw new IllegalArgumentException("--sizes: ascending, each at least " + OWNERS);
            }
            return new Options(sizes, queries, appendRate, appendSeconds, batchEvents, consolidationTurns, searchableRate,
                    searchableSeconds, heap, Path.of("bench", "results"), name);
        }
    }

    private final Options options;
    private final PrintStream out = System.out;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** The node's own API, for what the harness reads or writes around the platform: one client for the run. */
    private EngineBulk node;

    LoadBenchmark(Options options) {
        this.options = options;
    }

    void run() throws Exception {
        // the node's heap: a million memories need more than the local stack's default
        System.setProperty("memlog.opensearch.heap", options.openSearchHeap());
        Path dir = Files.createTempDirectory("memlog-load-bench");
        var keys = ApiKeys.load(KEY + "=" + TENANT + ";scopes=read+write+admin;reads=tenant", null);
        // six partitions, the chart's default: as many tasks for each of consolidation's stream threads
        var config = new LocalStack.Config(dir, 0, 0, 0, 0, 0, 0, keys, "bge-small-en-v1.5-q", 6,
                Map.of("ENCRYPTION", "off", "RATE_LIMIT_READS_PER_SECOND", "0", "RATE_LIMIT_WRITES_PER_SECOND", "0",
                        "RETRIEVAL_CONCURRENCY", "16",
                        // every question embedded, as a new one is: saturation asks the same questions again and again
                        "QUERY_EMBEDDING_CACHE_MB", "0"));
        Map<String, Object> result = new LinkedHashMap<>();
        out.println("== starting the stack");
        try (var stack = new LocalStack(config, line -> out.println("   " + line.strip()));
             var os = new OpenSearchRest(stack.openSearchUrl())) {
            node = new EngineBulk(stack.openSearchUrl());
            EmbeddingProvider model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
            var client = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), KEY);
            out.println("== synthetic conversations (the model embeds 3,000 sentences)");
            var conversations = new SyntheticConversations(model, 3_000, 42);
            // writes first, into an index of their own making: the merges a million filled memories set off in the
            // node would otherwise be measured as consolidation's
            result.put("consolidation", consolidation(stack, client, model));
            result.put("append_to_searchable", appendToSearchable(stack, client));
            result.put("append", appends(stack));
            awaitConsolidationIdle(stack); // the appends are tens of thousands of turns to consolidate
            result.put("retrieval", retrieval(stack, os, model, conversations));
            result.put("memory_mb", memory());
        }
        result.put("workload", Map.of("sizes", options.sizes(), "owners_per_tenant", OWNERS, "queries", options.queries(),
                "append_rate", options.appendRate(), "append_seconds", options.appendSeconds(), "batch_events", options.batchEvents(),
                "consolidation_turns", options.consolidationTurns(), "searchable_rate", options.searchableRate(),
                "searchable_seconds", options.searchableSeconds(), "opensearch_heap", options.openSearchHeap()));
        result.put("machine", ResultFiles.machine());
        result.put("date", Instant.now().toString());
        ResultFiles.write(options.outDir(), options.name(), result, LoadReport.markdown(result), out);
    }

    // ---------------------------------------------------------------------------------------------- retrieval

    /**
     * The live index filled to each size straight through the engine (the log would take hours to derive a million
     * memories), one tenant of {@value #OWNERS} owners per 100,000 memories and more tenants past that; at each size,
     * questions of one owner of the first tenant over HTTP against the same engine requests sent to OpenSearch alone.
     */
    private Map<String, Object> retrieval(LocalStack stack, OpenSearchRest os, EmbeddingProvider model,
                                          SyntheticConversations conversations) throws Exception {
        String live = os.call("GET", "/_alias/memlog-records", null).fieldNames().next();
        var tuned = QueryService.Config.from(stack.env());
        var retriever = new HybridRetriever(os, new MemoryIndex(os, "memlog-records"), model, tuned.tuning());
        Map<String, Object> bySize = new LinkedHashMap<>();
        long indexed = 0;
        for (int size : options.sizes()) {
            long t0 = System.nanoTime();
            while (indexed < size) {
                long until = Math.min(size, indexed + 20_000);
                List<Map.Entry<String, Map<String, Object>>> docs = new ArrayList<>();
                for (long i = indexed; i < until; i++) {
                    // a tenant per 100,000 memories: 1M is ten tenants of 100k
                    String tenant = i < 100_000 ? TENANT : TENANT + "-" + i / 100_000;
                    var record = conversations.turn(tenant, OWNERS, i % 100_000);
                    docs.add(new AbstractMap.SimpleEntry<>(record.getRecordId(), MemoryIndex.document(record)));
                }
                node.index(live, docs, 500, 2);
                indexed = until;
                out.printf(Locale.ROOT, "   %,d memories indexed%n", indexed);
            }
            node.call("POST", "/" + live + "/_refresh", null);
            double indexSeconds = (System.nanoTime() - t0) / 1e9;
            String label = size >= 1_000_000 && size % 1_000_000 == 0 ? size / 1_000_000 + "m"
                    : size >= 1_000 && size % 1_000 == 0 ? size / 1_000 + "k" : Integer.toString(size);
            out.printf(Locale.ROOT, "== retrieval at %s memories (%,d in the index, filled in %.0f s)%n", label, indexed, indexSeconds);
            bySize.put(label, retrievalAt(stack, os, retriever, model));
        }
        return bySize;
    }

    private ObjectNode question(Random r) {
        // one owner of the first tenant: the owners of a deployment each ask of their own memories
        return Json.mapper().createObjectNode().put("query", SyntheticConversations.question(r))
                .put("user_id", "user-" + r.nextInt(OWNERS)).put("k", 10).put("reinforce", false);
    }

    private Map<String, Object> retrievalAt(LocalStack stack, OpenSearchRest os, HybridRetriever retriever,
                                            EmbeddingProvider model) throws Exception {
        Random r = new Random(7);
        for (int i = 0; i < 30; i++) { // warm both paths
            search(stack, question(r));
            var engine = retriever.engineRequest(TENANT, SearchRequest.parse(question(r)));
            os.call("POST", engine.path(), engine.body(), engine.params());
        }
        Histogram httpMicros = new Histogram(3);
        Histogram engineMicros = new Histogram(3);
        Histogram engineWithEmbeddingMicros = new Histogram(3);
        Map<String, Histogram> stages = new LinkedHashMap<>();
        for (int i = 0; i < options.queries(); i++) {
            ObjectNode q = question(r);
            long t = System.nanoTime();
            var response = search(stack, q);
            httpMicros.recordValue((System.nanoTime() - t) / 1000);
            response.headers().firstValue("Server-Timing").ifPresent(header -> recordStages(header, stages));
            // the query embedded here, as a client of the engine alone must: timed apart from the engine's own answer
            long embedded = System.nanoTime();
            var engine = retriever.engineRequest(TENANT, SearchRequest.parse(q));
            t = System.nanoTime();
            os.call("POST", engine.path(), engine.body(), engine.params());
            long answered = System.nanoTime();
            engineMicros.recordValue((answered - t) / 1000);
            engineWithEmbeddingMicros.recordValue((answered - embedded) / 1000);
        }
        Map<String, Object> at = new LinkedHashMap<>();
        at.put("p50", ms(httpMicros, 50));
        at.put("p95", ms(httpMicros, 95));
        at.put("p99", ms(httpMicros, 99));
        at.put("opensearch_p50", ms(engineMicros, 50));
        at.put("opensearch_p95", ms(engineMicros, 95));
        at.put("p95_vs_opensearch", round3(httpMicros.getValueAtPercentile(95) / (double) engineMicros.getValueAtPercentile(95)));
        at.put("opensearch_with_embedding_p95", ms(engineWithEmbeddingMicros, 95));
        at.put("p95_vs_opensearch_with_embedding", round3(httpMicros.getValueAtPercentile(95)
                / (double) engineWithEmbeddingMicros.getValueAtPercentile(95)));
        Map<String, Object> stageP50 = new LinkedHashMap<>();
        stages.forEach((stage, h) -> stageP50.put(stage, ms(h, 50)));
        at.put("stages_p50", stageP50);
        List<Map<String, Object>> levels = new ArrayList<>();
        double best = 0;
        for (int clients : List.of(1, 2, 4, 8, 16)) {
            Map<String, Object> level = saturate(stack, clients, r.nextLong());
            levels.add(level);
            if ((double) level.get("p99") < SATURATION_P99_MS) {
                best = Math.max(best, (double) level.get("qps"));
            }
        }
        at.put("qps_max", round(best));
        at.put("saturation", levels);
        out.printf(Locale.ROOT, "   one client: p50 %.1f ms, p95 %.1f, p99 %.1f (engine alone p95 %.1f); qps_max %.1f at p99 < %.0f ms%n",
                at.get("p50"), at.get("p95"), at.get("p99"), at.get("opensearch_p95"), best, SATURATION_P99_MS);
        return at;
    }

    /** {@code clients} searching back to back for a while: the rate they reach, its latencies, and what was shed. */
    private Map<String, Object> saturate(LocalStack stack, int clients, long seed) throws Exception {
        Recorder latencies = new Recorder(3);
        AtomicLong done = new AtomicLong();
        AtomicLong shed = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Random r = new Random(seed + c);
            threads.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    try {
                        long t = System.nanoTime();
                        var response = search(stack, question(r));
                        if (response.statusCode() == 503) {
                            shed.incrementAndGet();
                            continue;
                        }
                        latencies.recordValue((System.nanoTime() - t) / 1000);
                        done.incrementAndGet();
                    } catch (Exception e) {
                        stop.set(true);
                    }
                }
            }));
        }
        long t0 = System.nanoTime();
        Thread.sleep(SATURATION_SECONDS * 1000L);
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Histogram h = latencies.getIntervalHistogram();
        Map<String, Object> level = new LinkedHashMap<>();
        level.put("clients", clients);
        level.put("qps", round(done.get() / seconds));
        level.put("p50", ms(h, 50));
        level.put("p99", ms(h, 99));
        level.put("shed", shed.get());
        return level;
    }

    private HttpResponse<String> search(LocalStack stack, ObjectNode question) throws Exception {
        var response = http.send(HttpRequest.newBuilder(URI.create(stack.queryUrl() + "/v1/search")).header(ApiKeys.HEADER, KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(question.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200 && response.statusCode() != 503) {
            throw new IllegalStateException("search answered " + response.statusCode() + ": " + response.body());
        }
        return response;
    }

    private static void recordStages(String header, Map<String, Histogram> stages) {
        for (String part : header.split(",")) {
            String[] nameAndDuration = part.strip().split(";dur=");
            if (nameAndDuration.length == 2) {
                stages.computeIfAbsent(nameAndDuration[0], k -> new Histogram(3))
                        .recordValue(Math.max(1, (long) (Double.parseDouble(nameAndDuration[1]) * 1000)));
            }
        }
    }

    // ------------------------------------------------------------------------------------------ consolidation

    /**
     * Turns appended in batches as fast as ingest takes them, timed until consolidation has made every one searchable,
     * after a warm-up ({@link #warmUp}). Its throughput is the texts it embedded meanwhile (each turn, the turn after
     * the one before it when the context vector is joint, each fact and summary), read from its own counter, per second;
     * the model alone embeds the same texts (the facts and summaries read back from the index) on as many threads as
     * there are cores, and also both texts a turn, which is what every turn cost with a joint context vector.
     */
    private Map<String, Object> consolidation(LocalStack stack, MemoryClient client, EmbeddingProvider model) throws Exception {
        out.printf(Locale.ROOT, "== consolidation of %,d turns, after a warm-up%n", options.consolidationTurns());
        var compilers = new CompilerActivity(List.of(ProcessHandle.current().pid(), nodePid()));
        Map<String, Object> warmUp = warmUp(client, compilers);
        double embeddedBefore = embeddedTexts(stack);
        double compiledBefore = compilers.cpuSeconds();
        List<String> texts = new ArrayList<>();
        long t0 = System.nanoTime();
        appendTurns(client, "cons-", options.consolidationTurns(), new Random(11), texts);
        double appendSeconds = (System.nanoTime() - t0) / 1e9;
        awaitSearchable("cons-", options.consolidationTurns());
        double seconds = (System.nanoTime() - t0) / 1e9;
        double compilerCores = (compilers.cpuSeconds() - compiledBefore) / seconds;
        double vectors = embeddedTexts(stack) - embeddedBefore;
        var contextVector = ConsolidationRules.from(stack.env(), Clock.systemUTC()).contextVector();
        boolean joint = contextVector == EpisodeRecorder.ContextVector.JOINT;
        List<String> derived = derivedTexts("cons-");
        ModelAlone same = modelAlone(model, texts, joint, derived);
        ModelAlone twoATurn = modelAlone(model, texts, true, List.of());
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("context_vector", contextVector.name().toLowerCase(Locale.ROOT));
        c.put("records_per_s", round(vectors / seconds));
        c.put("model_alone_per_s", round(same.textsPerS()));
        c.put("vs_model_alone", round3(vectors / seconds / same.textsPerS()));
        c.put("turns_per_s", round(texts.size() / seconds));
        c.put("model_alone_turns_per_s", round(same.turnsPerS()));
        c.put("model_alone_two_a_turn_turns_per_s", round(twoATurn.turnsPerS()));
        c.put("turns_vs_model_alone_two_a_turn", round3(texts.size() / seconds / twoATurn.turnsPerS()));
        c.put("vectors_per_turn", round3(vectors / texts.size()));
        c.put("texts_embedded", (long) vectors);
        c.put("model_alone_texts", same.texts());
        c.put("turns", texts.size());
        c.put("warm_up", warmUp);
        c.put("jit_cores_meanwhile", round3(compilerCores));
        c.put("append_seconds", round3(appendSeconds));
        c.put("searchable_seconds", round3(seconds));
        out.printf(Locale.ROOT, "   %,d turns searchable in %.1f s (%.1f/s, %.0f texts embedded, %.1f/s); the model alone %.1f texts/s,"
                        + " %.1f turns/s with two texts a turn%n",
                texts.size(), seconds, texts.size() / seconds, vectors, vectors / seconds, same.textsPerS(), twoATurn.turnsPerS());
        return c;
    }

    private static final int WARM_UP_TURNS = 500;
    private static final int MAX_WARM_UP_ROUNDS = 8;
    /** The compilers' share of a core below which the services count as warm. */
    private static final double WARM_COMPILER_CORES = 0.15;

    /**
     * Rounds of turns until the JIT compilers of this process (the services, the broker) and of the node together
     * use under {@value #WARM_COMPILER_CORES} of a core, or {@value #MAX_WARM_UP_ROUNDS} rounds: a service that has run
     * for a while has its code compiled, and a fresh one compiles for minutes on the cores the work needs (a third of
     * the machine a minute after start, measured).
     */
    private Map<String, Object> warmUp(MemoryClient client, CompilerActivity compilers) throws Exception {
        int rounds = 0;
        double compilerCores = Double.NaN;
        do {
            double before = compilers.cpuSeconds();
            long t0 = System.nanoTime();
            appendTurns(client, "warm" + rounds + "-", WARM_UP_TURNS, new Random(7 + rounds), new ArrayList<>());
            awaitSearchable("warm" + rounds + "-", WARM_UP_TURNS);
            compilerCores = (compilers.cpuSeconds() - before) / ((System.nanoTime() - t0) / 1e9);
            rounds++;
            out.printf(Locale.ROOT, "   warm-up round %d: the compilers used %.2f of a core%n", rounds, compilerCores);
        } while (compilers.readable() && compilerCores >= WARM_COMPILER_CORES && rounds < MAX_WARM_UP_ROUNDS);
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("turns", rounds * WARM_UP_TURNS);
        w.put("jit_cores_last_round", compilers.readable() ? round3(compilerCores) : null);
        return w;
    }

    /** The node names its own pid: its command line (a classpath of hundreds of jars) is not always readable. */
    private long nodePid() throws Exception {
        return node.call("GET", "/_nodes/_local/process", null).path("nodes").elements().next().path("process").path("id").asLong();
    }

    /**
     * {@code count} turns of {@value #OWNERS} owners, at most 20 turns to a session, in batches of 100; each turn's text
     * added to {@code texts}. An owner's events share a partition, consumed in order by one stream thread: with a few
     * owners, how their keys happen to hash decides how much of the work one thread gets (20 owners over six
     * partitions put 70% of the turns on one of two threads), a deployment's many owners spread it.
     */
    private static void appendTurns(MemoryClient client, String ownerPrefix, int count, Random r, List<String> texts) throws Exception {
        int owners = OWNERS;
        for (int start = 0; start < count; start += 100) {
            ObjectNode batch = Json.mapper().createObjectNode();
            var turns = batch.putArray("turns");
            for (int i = start; i < Math.min(count, start + 100); i++) {
                String text = SyntheticConversations.sentence(r) + " " + SyntheticConversations.sentence(r);
                texts.add(text);
                String owner = ownerPrefix + i % owners;
                turns.addObject().put("user_id", owner).put("session_id", owner + "-s" + i / (owners * 20)).put("role", "user")
                        .put("content", text).put("timestamp", Instant.parse("2024-03-01T09:00:00Z").plus(Duration.ofMinutes(i)).toString());
            }
            client.appendTurns(batch);
        }
    }

    private void awaitSearchable(String ownerPrefix, int turns) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        while (countTurns(ownerPrefix) < turns && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
    }

    /** Until consolidation has embedded nothing for five seconds: its backlog is done and the cores are free again. */
    private void awaitConsolidationIdle(LocalStack stack) throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + Duration.ofMinutes(30).toNanos();
        double last = embeddedTexts(stack);
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < Duration.ofSeconds(5).toNanos() && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            double now = embeddedTexts(stack);
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
        }
        out.printf(Locale.ROOT, "== consolidation idle after %.0f s more%n", (System.nanoTime() - t0) / 1e9);
    }

    /** Texts consolidation has embedded so far, from its Prometheus counter. */
    private double embeddedTexts(LocalStack stack) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create(stack.consolidationUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> l.startsWith("memlog_embedded_texts_total{") && l.contains("kind=\"document\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** The owners' turns the live index finds: episodic records that are not session summaries. */
    private long countTurns(String ownerPrefix) throws Exception {
        // no refresh forced: searchable is what the index's own refresh makes searchable
        return node.call("POST", "/memlog-records/_count", """
                {"query":{"bool":{"filter":[{"prefix":{"user_id":"%s"}},{"term":{"tier":"EPISODIC"}}],
                 "must_not":[{"term":{"metadata.kind":"%s"}}]}}}""".formatted(ownerPrefix, RecordKinds.SESSION_SUMMARY))
                .path("count").asLong();
    }

    /**
     * The summaries and facts consolidation made of the owners' turns, each once: every version it knew is in the as-of
     * index, and a later version of the same memory (reinforced, superseded) was not embedded again.
     */
    private List<String> derivedTexts(String ownerPrefix) throws Exception {
        Map<String, String> byRecord = new LinkedHashMap<>();
        JsonNode hits = node.call("POST", "/memlog-records-asof/_search", """
                {"size":10000,"_source":["record_id","text"],"query":{"bool":{"filter":[{"prefix":{"user_id":"%s"}}],
                 "should":[{"term":{"tier":"SEMANTIC"}},{"term":{"metadata.kind":"%s"}}],"minimum_should_match":1}}}"""
                .formatted(ownerPrefix, RecordKinds.SESSION_SUMMARY)).path("hits").path("hits");
        hits.forEach(h -> byRecord.put(h.path("_source").path("record_id").asText(), h.path("_source").path("text").asText()));
        return List.copyOf(byRecord.values());
    }

    /** What the model alone does on its own threads: texts and turns a second, and how many texts it embedded. */
    record ModelAlone(double textsPerS, double turnsPerS, long texts) {
    }

    /**
     * Each turn's text, with {@code joint} also the turn after the one before it, and each of {@code derived} (the
     * summaries and facts made of them), on a thread per core.
     */
    private static ModelAlone modelAlone(EmbeddingProvider model, List<String> texts, boolean joint, List<String> derived)
            throws Exception {
        int threads = Runtime.getRuntime().availableProcessors();
        model.embedDocuments(texts.subList(0, Math.min(20, texts.size()))); // warm
        long t0 = System.nanoTime();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(threads)) {
            List<java.util.concurrent.Future<?>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                parts.add(pool.submit(() -> {
                    for (int i = first; i < texts.size(); i += threads) {
                        model.embedDocuments(i == 0 || !joint ? List.of(texts.get(i))
                                : List.of(texts.get(i), texts.get(i - 1) + "\n" + texts.get(i)));
                    }
                    for (int i = first; i < derived.size(); i += threads) {
                        model.embedDocuments(List.of(derived.get(i)));
                    }
                }));
            }
            for (var part : parts) {
                part.get();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // the first turn has none before it
        long embedded = (joint ? 2L * texts.size() - 1 : texts.size()) + derived.size();
        return new ModelAlone(embedded / seconds, texts.size() / seconds, embedded);
    }

    // ----------------------------------------------------------------------------------- append to searchable

    /**
     * Turns appended at a steady, moderate rate, each with a word of its own; how long after its acknowledgement the
     * live index finds it, looked for every 50 ms.
     */
    private Map<String, Object> appendToSearchable(LocalStack stack, MemoryClient client) throws Exception {
        int count = options.searchableRate() * options.searchableSeconds();
        out.printf(Locale.ROOT, "== append to searchable: %,d turns at %d/s%n", count, options.searchableRate());
        Map<String, Long> ackedAt = new ConcurrentHashMap<>();
        Recorder visible = new Recorder(3);
        AtomicBoolean appending = new AtomicBoolean(true);
        Thread watcher = Thread.ofVirtual().start(() -> {
            while (appending.get() || !ackedAt.isEmpty()) {
                try {
                    List<String> pending = List.copyOf(ackedAt.keySet());
                    for (int i = 0; i < pending.size(); i += 500) {
                        var terms = Json.mapper().createArrayNode();
                        pending.subList(i, Math.min(pending.size(), i + 500)).forEach(terms::add);
                        var query = Json.mapper().createObjectNode().put("size", 500);
                        query.putObject("query").putObject("terms").set("search_text", terms);
                        query.putArray("_source").add("text");
                        long now = System.nanoTime();
                        for (JsonNode hit : node.call("POST", "/memlog-records/_search", query.toString()).path("hits").path("hits")) {
                            String word = hit.path("_source").path("text").asText().replaceAll(".*\\b(zq[0-9]+)\\b.*", "$1");
                            Long acked = ackedAt.remove(word);
                            if (acked != null) {
                                visible.recordValue(Math.max(1, (now - acked) / 1000));
                            }
                        }
                    }
                    Thread.sleep(50);
                } catch (Exception e) {
                    return;
                }
            }
        });
        Random r = new Random(23);
        var result = OpenLoop.run(count, options.searchableRate(), i -> {
            // digits only: a word the analyzer's stemmer leaves as it is, so the term query finds it
            String word = "zq" + Math.abs(r.nextLong() % 1_000_000_000_000L);
            // many owners, as a deployment's are: ten put six in ten turns on one partition (see appendTurns)
            String owner = "fresh-" + i % OWNERS;
            ObjectNode turn = Json.mapper().createObjectNode().put("user_id", owner).put("session_id", owner + "-s")
                    .put("role", "user").put("content", SyntheticConversations.sentence(new Random(i)) + " Remember " + word + ".")
                    .put("timestamp", Instant.now().toString());
            return http.sendAsync(HttpRequest.newBuilder(URI.create(stack.ingestUrl() + "/v1/turns")).header(ApiKeys.HEADER, KEY)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(turn.toString())).build(),
                    HttpResponse.BodyHandlers.ofString()).thenApply(response -> {
                        if (response.statusCode() != 202) {
                            throw new IllegalStateException("append answered " + response.statusCode());
                        }
                        ackedAt.put(word, System.nanoTime());
                        return response;
                    });
        });
        appending.set(false);
        watcher.join(Duration.ofMinutes(3));
        Histogram h = visible.getIntervalHistogram();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("rate_per_s", options.searchableRate());
        s.put("turns", count);
        s.put("p50_ms", ms(h, 50));
        s.put("p95_ms", ms(h, 95));
        s.put("p99_ms", ms(h, 99));
        s.put("never_seen", ackedAt.size());
        s.put("append_failed", result.failed());
        out.printf(Locale.ROOT, "   searchable after p50 %.0f ms, p95 %.0f ms (%d never seen)%n", s.get("p50_ms"), s.get("p95_ms"),
                ackedAt.size());
        return s;
    }

    // --------------------------------------------------------------------------------------------------- appends

    /**
     * Single turns over HTTP at a fixed rate, open model, against a raw producer with ingest's settings sending the same
     * Avro events at the same rate to a topic of their own, at the same time; then batches as fast as four clients go, against the raw
     * producer sending as fast as it can.
     */
    private Map<String, Object> appends(LocalStack stack) throws Exception {
        int count = options.appendRate() * options.appendSeconds();
        out.printf(Locale.ROOT, "== appends: %,d single turns at %d/s, then %,d in batches%n", count, options.appendRate(),
                options.batchEvents());
        var format = AvroFormat.plain(new SchemaRegistryClient(stack.registryUrl(), stack.serviceToken().authorization()));
        String rawTopic = "bench.raw-events";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.kafkaBootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(rawTopic, 3, (short) 1))).all().get();
        }
        var kafka = dev.memlog.schemas.KafkaConnection.of(stack.kafkaBootstrapServers());
        Map<String, Object> a = new LinkedHashMap<>();
        try (var producer = Topics.MEMORY_EVENTS.producer(kafka, format, "bench-raw", 2);
             var beside = Executors.newVirtualThreadPerTaskExecutor()) {
            // warm, as ingest's producer is: a new topic's first sends wait for its metadata
            Random w = new Random(29);
            for (int i = 0; i < 50; i++) {
                MemoryEvent event = event(w, i);
                producer.send(new ProducerRecord<>(rawTopic, MemoryOwner.of(TENANT, event.getUserId(), null).key(), event)).get();
            }
            // both at once, so both meet the same machine: consolidation busy with what ingest appends, the broker,
            // the benchmark's own collections; one after the other, the later one met a quieter machine
            Random r = new Random(31);
            var rawRun = CompletableFuture.supplyAsync(() -> openLoop(count, i -> {
                CompletableFuture<Object> acked = new CompletableFuture<>();
                MemoryEvent event = event(r, i);
                producer.send(new ProducerRecord<>(rawTopic, MemoryOwner.of(TENANT, event.getUserId(), null).key(), event),
                        (metadata, error) -> {
                            if (error != null) {
                                acked.completeExceptionally(error);
                            } else {
                                acked.complete(metadata);
                            }
                        });
                return acked;
            }), beside);
            Random s = new Random(37);
            var ingest = OpenLoop.run(count, options.appendRate(), i -> http.sendAsync(HttpRequest.newBuilder(
                            URI.create(stack.ingestUrl() + "/v1/turns")).header(ApiKeys.HEADER, KEY).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(turn(s, i).toString())).build(), HttpResponse.BodyHandlers.ofString())
                    .thenApply(response -> {
                        if (response.statusCode() != 202) {
                            throw new IllegalStateException("append answered " + response.statusCode());
                        }
                        return response;
                    }));
            var raw = rawRun.join();
            a.put("single", Map.of("rate_per_s", options.appendRate(), "count", count,
                    "p50_ms", round3(ingest.percentileMs(50)), "p99_ms", round3(ingest.percentileMs(99)),
                    "p999_ms", round3(ingest.percentileMs(99.9)), "failed", ingest.failed()));
            a.put("raw_producer_single", Map.of("p50_ms", round3(raw.percentileMs(50)), "p99_ms", round3(raw.percentileMs(99)),
                    "p999_ms", round3(raw.percentileMs(99.9)), "failed", raw.failed()));
            a.put("single_p99_vs_raw", round3(ingest.percentileMs(99) / raw.percentileMs(99)));
            out.printf(Locale.ROOT, "   single: p50 %.1f ms, p99 %.1f, p99.9 %.1f; raw producer p50 %.1f, p99 %.1f%n",
                    ingest.percentileMs(50), ingest.percentileMs(99), ingest.percentileMs(99.9), raw.percentileMs(50), raw.percentileMs(99));

            // batches: the raw producer as fast as it sends, then four HTTP clients posting batches of 100 back to back
            Random b = new Random(41);
            long t0 = System.nanoTime();
            for (int i = 0; i < options.batchEvents(); i++) {
                MemoryEvent event = event(b, i);
                producer.send(new ProducerRecord<>(rawTopic, MemoryOwner.of(TENANT, event.getUserId(), null).key(), event));
            }
            producer.flush();
            double rawPerSecond = options.batchEvents() / ((System.nanoTime() - t0) / 1e9);
            double ingestPerSecond = batches(stack, options.batchEvents(), 4, 100);
            a.put("batch", Map.of("events_per_s", round(ingestPerSecond), "events", options.batchEvents(), "batch_size", 100,
                    "clients", 4));
            a.put("raw_producer_batch_events_per_s", round(rawPerSecond));
            a.put("batch_vs_raw", round3(ingestPerSecond / rawPerSecond));
            out.printf(Locale.ROOT, "   batches: %.0f events/s; raw producer %.0f events/s%n", ingestPerSecond, rawPerSecond);
        }
        return a;
    }

    private OpenLoop.Result openLoop(int count, LongFunction<CompletableFuture<?>> request) {
        try {
            return OpenLoop.run(count, options.appendRate(), request);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static MemoryEvent event(Random r, long i) {
        Instant now = Instant.now();
        return MemoryEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setTenantId(TENANT).setUserId("append-" + i % 50)
                .setSessionId("append-" + i % 50 + "-s").setKind(EventKind.TURN).setRole("user")
                .setContent(SyntheticConversations.sentence(r)).setOccurredAt(now).setReceivedAt(now).build();
    }

    private static ObjectNode turn(Random r, long i) {
        return Json.mapper().createObjectNode().put("user_id", "append-" + i % 50).put("session_id", "append-" + i % 50 + "-s")
                .put("role", "user").put("content", SyntheticConversations.sentence(r)).put("timestamp", Instant.now().toString());
    }

    private double batches(LocalStack stack, int events, int clients, int size) throws Exception {
        AtomicLong sent = new AtomicLong();
        long t0 = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Random r = new Random(43 + c);
            threads.add(Thread.ofVirtual().start(() -> {
                while (true) {
                    long first = sent.getAndAdd(size);
                    if (first >= events) {
                        return;
                    }
                    ObjectNode batch = Json.mapper().createObjectNode();
                    var turns = batch.putArray("turns");
                    for (long i = first; i < Math.min(events, first + size); i++) {
                        turns.add(turn(r, i));
                    }
                    try {
                        var response = http.send(HttpRequest.newBuilder(URI.create(stack.ingestUrl() + "/v1/turns/batch"))
                                .header(ApiKeys.HEADER, KEY).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(batch.toString())).build(), HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 202) {
                            throw new IllegalStateException("batch answered " + response.statusCode() + ": " + response.body());
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        return events / ((System.nanoTime() - t0) / 1e9);
    }

    // ---------------------------------------------------------------------------------------------------- memory

    /** Resident memory of this process (the services and the broker) and of the node, the index on disk, the node's heap. */
    private Map<String, Object> memory() throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("services_and_broker_rss", rssMb(ProcessHandle.current().pid()));
        long nodePid = nodePid();
        m.put("opensearch_rss", rssMb(nodePid));
        long bytes = 0;
        for (JsonNode index : node.call("GET", "/_cat/indices/memlog-records*?format=json&bytes=b", null)) {
            bytes += index.path("store.size").asLong();
        }
        m.put("index_on_disk", round(bytes / 1048576.0));
        JsonNode jvm = node.call("GET", "/_nodes/stats/jvm", null).path("nodes").elements().next().path("jvm").path("mem");
        m.put("opensearch_heap_used", round(jvm.path("heap_used_in_bytes").asLong() / 1048576.0));
        m.put("opensearch_heap_max", round(jvm.path("heap_max_in_bytes").asLong() / 1048576.0));
        out.println("   memory (MB): " + m);
        return m;
    }

    private static double rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return round(Long.parseLong(line.replaceAll("\\D", "")) / 1024.0);
                }
            }
        } catch (java.io.IOException e) {
            // not Linux: unknown
        }
        return -1;
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? -1 : round3(h.getValueAtPercentile(percentile) / 1000.0);
    }

    static double round(double x) {
        return Math.round(x * 10) / 10.0;
    }

    static double round3(double x) {
        return Math.round(x * 1000) / 1000.0;
    }
}
