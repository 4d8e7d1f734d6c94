package dev.memlog.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.http.Json;
import dev.memlog.testkit.ChildProcessOpenSearchNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.HdrHistogram.Histogram;

/**
 * {@code ./benchmark index}: the vector index's settings measured on one corpus: for each HNSW variant (graph degree
 * {@code m}, {@code ef_construction}, float32 or 7-bit scalar quantization), how fast it is filled and merged, how much
 * disk it takes, how fast it answers, and its recall@10 against exact search over the same vectors (computed here),
 * with the k the retrieval asks for and with k = 10. Writes bench/results/index-latest.json and .md.
 */
public final class IndexBenchmark {
    /** One way to build the graph. */
    record Variant(String name, int m, int efConstruction, boolean quantized) {
        ObjectNode method() {
            ObjectNode method = Json.mapper().createObjectNode().put("name", "hnsw").put("engine", "lucene")
                    .put("space_type", "cosinesimil");
            ObjectNode parameters = method.putObject("parameters").put("m", m).put("ef_construction", efConstruction);
            if (quantized) {
                parameters.putObject("encoder").put("name", "sq").putObject("parameters").put("bits", 7);
            }
            return method;
        }
    }

    static final List<Variant> VARIANTS = List.of(new Variant("m16-efc128", 16, 128, false),
            new Variant("m16-efc64", 16, 64, false), new Variant("m8-efc64", 8, 64, false),
            new Variant("m16-efc128-sq7", 16, 128, true));

    record Options(int memories, int queries, Path outDir) {
        static Options parse(List<String> args) {
            int memories = 100_000;
            int queries = 200;
            for (int i = 0; i + 1 < args.size(); i += 2) {
                switch (args.get(i)) {
                    case "--memories" -> memories = Integer.parseInt(args.get(i + 1));
                    case "--queries" -> queries = Integer.parseInt(args.get(i + 1));
                    default -> throw new IllegalArgumentException("unknown option " + args.get(i)
                            + "; ./benchmark index takes --memories N --queries N");
                }
            }
            return new Options(memories, queries, Path.of("bench", "results"));
        }
    }

    private final Options options;
    private final PrintStream out = System.out;

    IndexBenchmark(Options options) {
        this.options = options;
    }

    void run() throws Exception {
        System.setProperty("memlog.opensearch.heap", "1g");
        EmbeddingProvider model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
        out.println("== corpus: " + options.memories() + " synthetic turns, " + options.queries() + " questions");
        var conversations = new SyntheticConversations(model, 3_000, 42);
        float[][] vectors = new float[options.memories()][];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = conversations.vector(i);
        }
        Random r = new Random(5);
        float[][] questions = new float[options.queries()][];
        for (int q = 0; q < questions.length; q++) {
            questions[q] = model.embedQuery(SyntheticConversations.question(r));
        }
        List<Set<Integer>> truth = new ArrayList<>();
        for (float[] question : questions) {
            truth.add(exactTop10(vectors, question));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        Path home = Files.createTempDirectory("memlog-index-bench");
        try (var node = ChildProcessOpenSearchNode.start(home, 0)) {
            var engine = new EngineBulk(node.url());
            Map<String, Object> variants = new LinkedHashMap<>();
            for (Variant variant : VARIANTS) {
                variants.put(variant.name(), measure(engine, variant, vectors, questions, truth));
            }
            result.put("variants", variants);
        }
        result.put("workload", Map.of("memories", options.memories(), "queries", options.queries(), "dimension", 384,
                "corpus", "synthetic conversations (pairs of template sentences, vectors composed from bge-small-en-v1.5-q's)"));
        result.put("machine", ResultFiles.machine());
        result.put("date", Instant.now().toString());
        ResultFiles.write(options.outDir(), "index-latest", result, report(result), out);
    }

    /** The ten nearest by cosine (the vectors are normalized: the dot product), by brute force. */
    static Set<Integer> exactTop10(float[][] vectors, float[] query) {
        int[] best = new int[10];
        double[] scores = new double[10];
        Arrays.fill(scores, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < vectors.length; i++) {
            double dot = 0;
            float[] v = vectors[i];
            for (int d = 0; d < v.length; d++) {
                dot += v[d] * query[d];
            }
            if (dot > scores[9]) {
                int at = 9;
                while (at > 0 && scores[at - 1] < dot) {
                    scores[at] = scores[at - 1];
                    best[at] = best[at - 1];
                    at--;
                }
                scores[at] = dot;
                best[at] = i;
            }
        }
        Set<Integer> top = new HashSet<>();
        for (int i : best) {
            top.add(i);
        }
        return top;
    }

    private Map<String, Object> measure(EngineBulk engine, Variant variant, float[][] vectors, float[][] questions,
                                        List<Set<Integer>> truth) throws Exception {
        String index = "index-bench-" + variant.name();
        ObjectNode body = Json.mapper().createObjectNode();
        body.putObject("settings").putObject("index").put("knn", true).put("number_of_shards", 1).put("number_of_replicas", 0);
        ObjectNode embedding = body.putObject("mappings").putObject("properties").putObject("embedding");
        embedding.put("type", "knn_vector").put("dimension", vectors[0].length).set("method", variant.method());
        engine.call("PUT", "/" + index, body.toString());
        List<Map.Entry<String, Map<String, Object>>> docs = new ArrayList<>(vectors.length);
        for (int i = 0; i < vectors.length; i++) {
            float[] v = vectors[i];
            List<Float> list = new ArrayList<>(v.length);
            for (float f : v) {
                list.add(f);
            }
            docs.add(new AbstractMap.SimpleEntry<>(Integer.toString(i), Map.of("embedding", list)));
        }
        double seconds = engine.index(index, docs, 500, 2);
        engine.call("POST", "/" + index + "/_refresh", null);
        // the merges the filling started are let finish: they rebuild graphs, and would be measured with the queries
        for (int i = 0; i < 600 && engine.call("GET", "/" + index + "/_stats/merge", null).path("_all").path("primaries")
                .path("merges").path("current").asLong() > 0; i++) {
            Thread.sleep(500);
        }
        double settled = engine.call("GET", "/" + index + "/_stats/merge", null).path("_all").path("primaries").path("merges")
                .path("total_time_in_millis").asLong() / 1000.0;
        out.printf(Locale.ROOT, "== %s: %,d vectors in %.1f s (%.0f/s)%n", variant.name(), vectors.length, seconds,
                vectors.length / seconds);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("m", variant.m());
        m.put("ef_construction", variant.efConstruction());
        m.put("quantized", variant.quantized() ? "sq 7 bits" : "float32");
        m.put("index_vectors_per_s", LoadBenchmark.round(vectors.length / seconds));
        m.put("merge_seconds", LoadBenchmark.round(settled));
        for (int k : List.of(10, 50)) {
            for (int q = 0; q < Math.min(20, questions.length); q++) { // warm
                search(engine, index, questions[q], k);
            }
            Histogram latency = new Histogram(3);
            double recall = 0;
            for (int q = 0; q < questions.length; q++) {
                long t = System.nanoTime();
                List<Integer> found = search(engine, index, questions[q], k);
                latency.recordValue((System.nanoTime() - t) / 1000);
                Set<Integer> hit = new HashSet<>(found.subList(0, Math.min(10, found.size())));
                hit.retainAll(truth.get(q));
                recall += hit.size() / 10.0;
            }
            m.put("recall_at_10_k" + k, LoadBenchmark.round3(recall / questions.length));
            m.put("p50_ms_k" + k, LoadBenchmark.round3(latency.getValueAtPercentile(50) / 1000.0));
            m.put("p95_ms_k" + k, LoadBenchmark.round3(latency.getValueAtPercentile(95) / 1000.0));
        }
        JsonNode stats = engine.call("GET", "/" + index + "/_stats/store,segments", null).path("_all").path("primaries");
        m.put("disk_mb", LoadBenchmark.round(stats.path("store").path("size_in_bytes").asLong() / 1048576.0));
        m.put("segments", stats.path("segments").path("count").asLong());
        out.println("   " + m);
        engine.call("DELETE", "/" + index, null);
        return m;
    }

    private static List<Integer> search(EngineBulk engine, String index, float[] question, int k) throws Exception {
        ObjectNode body = Json.mapper().createObjectNode().put("size", 10);
        body.put("_source", false);
        ObjectNode knn = body.putObject("query").putObject("knn").putObject("embedding");
        ArrayNode vector = knn.putArray("vector");
        for (float f : question) {
            vector.add(f);
        }
        knn.put("k", k);
        List<Integer> ids = new ArrayList<>();
        for (JsonNode hit : engine.call("POST", "/" + index + "/_search", body.toString()).path("hits").path("hits")) {
            ids.add(Integer.parseInt(hit.path("_id").asText()));
        }
        return ids;
    }

    @SuppressWarnings("unchecked")
    static String report(Map<String, Object> r) {
        StringBuilder md = new StringBuilder("# Vector index settings\n\n");
        md.append("| variant | m | ef_construction | vectors | indexed/s | merging s | recall@10 (k=10) | recall@10 (k=50) | p50 ms (k=50) | p95 ms (k=50) | disk MB | segments |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        ((Map<String, Map<String, Object>>) r.get("variants")).forEach((name, v) -> md.append("| ").append(name).append(" | ")
                .append(v.get("m")).append(" | ").append(v.get("ef_construction")).append(" | ").append(v.get("quantized"))
                .append(" | ").append(v.get("index_vectors_per_s")).append(" | ").append(v.get("merge_seconds")).append(" | ")
                .append(v.get("recall_at_10_k10")).append(" | ")
                .append(v.get("recall_at_10_k50")).append(" | ").append(v.get("p50_ms_k50")).append(" | ").append(v.get("p95_ms_k50"))
                .append(" | ").append(v.get("disk_mb")).append(" | ").append(v.get("segments")).append(" |\n"));
        md.append("\nWorkload: ").append(r.get("workload")).append(". Machine: ").append(r.get("machine")).append("; ")
                .append(r.get("date")).append(".\n");
        return md.toString();
    }
}
