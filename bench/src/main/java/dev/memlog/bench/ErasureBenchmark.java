package dev.memlog.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.http.Json;
import dev.memlog.query.QueryService;
import dev.memlog.schemas.avro.AuditAction;
import dev.memlog.schemas.avro.AuditEntry;
import dev.memlog.stack.AuditTrail;
import dev.memlog.stack.LocalStack;
import dev.memlog.client.MemoryClient;
import dev.memlog.stack.PlaintextScan;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * {@code ./benchmark erasure [--subjects 5] [--turns 40] [--queries 200]}: the same owners and queries on a stack with
 * encryption off and on (retrieval latency, as a ratio, in one run); on the encrypted stack, the subjects are erased
 * and every topic, changelog, state and index file is scanned for their seeded words, every read path asked for them,
 * and the whole log replayed into a fresh index. Writes bench/results/erasure-latest.json and .md.
 */
public final class ErasureBenchmark {
    private static final String TENANT = "bench";
    private static final String KEY = "bench-agent-key-0123456789abcdef";
    private static final String ERASER = "bench-eraser-key-0123456789abcdef";
    private static final String[] TOPICS = {"the garden", "a trip to the coast", "the new kitchen", "the violin lessons",
        "a book about rivers", "the neighbour's dog", "the bicycle repair", "a recipe for soup"};

    record Options(int subjects, int kept, int turns, int queries, Path outDir) {
        static Options parse(List<String> args) {
            int subjects = 5;
            int turns = 40;
            int queries = 200;
            for (int i = 0; i + 1 < args.size(); i += 2) {
                switch (args.get(i)) {
                    case "--subjects" -> subjects = Integer.parseInt(args.get(i + 1));
                    case "--turns" -> turns = Integer.parseInt(args.get(i + 1));
                    case "--queries" -> queries = Integer.parseInt(args.get(i + 1));
                    default -> throw new IllegalArgumentException("unknown option " + args.get(i));
                }
            }
            return new Options(subjects, subjects, turns, queries, Path.of("bench", "results"));
        }
    }

    private final Options options;
    private final PrintStream out = System.out;

    ErasureBenchmark(Options options) {
        this.options = options;
    }

    /** Each subject's distinctive words: a name only it ever says. */
    static String secret(int subject) {
        return "Zorblex" + (char) ('a' + subject % 26) + "quint" + subject;
    }

    void run() throws Exception {
        Map<String, Object> result = new LinkedHashMap<>();
        Path offDir = Files.createTempDirectory("memlog-erasure-off");
        Path onDir = Files.createTempDirectory("memlog-erasure-on");
        // both stacks run at once, and each query goes to both back to back in a random order: the machine's noise
        // and the background work of either stack fall on both alike
        try (var off = start(offDir, false); var on = start(onDir, true)) {
            var offClient = new MemoryClient(off.ingestUrl(), off.queryUrl(), KEY);
            var onClient = new MemoryClient(on.ingestUrl(), on.queryUrl(), KEY);
            load(offClient);
            load(onClient);
            awaitLoaded(offClient);
            awaitLoaded(onClient);
            out.println("   loaded; measuring retrieval on both stacks, interleaved");
            var latency = latency(offClient, onClient);
            result.putAll(erase(on, onDir, onClient));
            result.put("latency_ratio_encrypted", Math.round(1000.0 * latency.get(1).get("p50_ms") / latency.get(0).get("p50_ms")) / 1000.0);
            result.put("latency_ratio_encrypted_p95", Math.round(1000.0 * latency.get(1).get("p95_ms") / latency.get(0).get("p95_ms")) / 1000.0);
            result.put("encryption_off", latency.get(0));
            result.put("encryption_on", latency.get(1));
        }
        result.put("workload", Map.of("subjects", options.subjects(), "kept_owners", options.kept(),
                "turns_per_owner", options.turns(), "queries", options.queries()));
        result.put("machine", ResultFiles.machine());
        ResultFiles.write(options.outDir(), "erasure-latest", result, report(result), out);
    }

    private List<String> subjects() {
        return java.util.stream.IntStream.range(0, options.subjects()).mapToObj(s -> "subject-" + s).toList();
    }

    private List<String> kept() {
        return java.util.stream.IntStream.range(0, options.kept()).mapToObj(k -> "kept-" + k).toList();
    }

    private LocalStack start(Path dir, boolean encrypted) throws Exception {
        var keys = ApiKeys.load(KEY + "=" + TENANT + "\n" + ERASER + "=" + TENANT + ";scopes=erase", null);
        var config = new LocalStack.Config(dir, 0, 0, 0, 0, 0, 0, keys, "bge-small-en-v1.5-q", 3,
                Map.of("SUMMARIZER", "none", "ENCRYPTION", encrypted ? "on" : "off", "RATE_LIMIT_READS_PER_SECOND", "0",
                        "RATE_LIMIT_WRITES_PER_SECOND", "0"));
        out.printf("%n== encryption %s: starting the stack%n", encrypted ? "on" : "off");
        return new LocalStack(config, line -> out.println("   " + line.strip()));
    }

    private void load(MemoryClient agent) throws Exception {
        for (int s = 0; s < options.subjects(); s++) {
            load(agent, subjects().get(s), s, true);
        }
        for (int k = 0; k < options.kept(); k++) {
            load(agent, kept().get(k), k, false);
        }
    }

    private void awaitLoaded(MemoryClient agent) throws Exception {
        for (String owner : concat(subjects(), kept())) {
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (agent.count(owner) < options.turns() && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
        }
    }

    /** Erases the subjects on the encrypted stack and looks for them everywhere. */
    private Map<String, Object> erase(LocalStack stack, Path dir, MemoryClient agent) throws Exception {
        Map<String, Object> result = new LinkedHashMap<>();
        List<String> subjects = subjects();
        var eraser = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), ERASER);
        Map<String, List<String>> oldRecords = new LinkedHashMap<>();
        for (int s = 0; s < subjects.size(); s++) {
            oldRecords.put(subjects.get(s), agent.search(query(subjects.get(s), secret(s))).path("hits").findValuesAsText("record_id"));
        }
        long t0 = System.nanoTime();
        Set<String> erasures = new HashSet<>();
        for (String subject : subjects) {
            erasures.add(eraser.erase(Json.mapper().createObjectNode().put("user_id", subject).put("reason", "benchmark"))
                    .path("erasure_id").asText());
        }
        awaitReceipts(stack, erasures);
        double erased = (System.nanoTime() - t0) / 1e9;
        out.printf("   %d subjects erased from every index in %.1f s%n", subjects.size(), erased);
        List<Path> dirs = List.of(dir.resolve("kafka"), dir.resolve("streams"), dir.resolve("opensearch"));
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        int fileHits;
        do {
            Thread.sleep(2000);
            fileHits = 0;
            for (int s = 0; s < subjects.size(); s++) {
                fileHits += PlaintextScan.filesContaining(dirs, secret(s)).size();
            }
        } while (fileHits > 0 && System.nanoTime() < deadline);
        double expunged = (System.nanoTime() - t0) / 1e9;
        int recordHits = 0;
        for (int s = 0; s < subjects.size(); s++) {
            recordHits += PlaintextScan.recordValuesContaining(stack.kafkaBootstrapServers(), secret(s)).size();
        }
        int retrievalHits = 0;
        for (int s = 0; s < subjects.size(); s++) {
            retrievalHits += retrievalHits(agent, subjects.get(s), secret(s), oldRecords.get(subjects.get(s)));
        }
        result.put("subjects_erased", subjects.size());
        result.put("plaintext_hits", fileHits + recordHits);
        result.put("retrieval_hits", retrievalHits);
        result.put("replay_hits", replayHits(stack, subjects, kept()));
        result.put("erasure_seconds", Math.round(erased * 10) / 10.0);
        result.put("expunged_seconds", Math.round(expunged * 10) / 10.0);
        return result;
    }

    private void load(MemoryClient agent, String owner, int n, boolean subject) throws Exception {
        ObjectNode batch = Json.mapper().createObjectNode();
        var turns = batch.putArray("turns");
        Random random = new Random(owner.hashCode());
        for (int i = 0; i < options.turns(); i++) {
            String topic = TOPICS[random.nextInt(TOPICS.length)];
            String content = subject && i % 10 == 0 ? "My cousin " + secret(n) + " told me about " + topic + " yesterday"
                    : "We talked about " + topic + " and what to do next week, number " + i;
            turns.addObject().put("user_id", owner).put("session_id", owner + "-s" + (i / 10)).put("role", "user")
                    .put("content", content);
        }
        agent.appendTurns(batch);
    }

    /** p50 and p95 of the same queries on both stacks: [encryption off, encryption on]. */
    private List<Map<String, Double>> latency(MemoryClient off, MemoryClient on) throws Exception {
        List<String> owners = concat(subjects(), kept());
        for (int i = 0; i < 20; i++) {
            off.search(query(owners.get(i % owners.size()), TOPICS[i % TOPICS.length]));
            on.search(query(owners.get(i % owners.size()), TOPICS[i % TOPICS.length]));
        }
        Random random = new Random(7);
        List<Double> offMs = new ArrayList<>();
        List<Double> onMs = new ArrayList<>();
        for (int i = 0; i < options.queries(); i++) {
            var request = query(owners.get(random.nextInt(owners.size())), "what did we say about " + TOPICS[random.nextInt(TOPICS.length)]);
            boolean offFirst = random.nextBoolean();
            for (MemoryClient client : offFirst ? List.of(off, on) : List.of(on, off)) {
                long t = System.nanoTime();
                client.search(request);
                (client == off ? offMs : onMs).add((System.nanoTime() - t) / 1e6);
            }
        }
        return List.of(summary(offMs), summary(onMs));
    }

    private static Map<String, Double> summary(List<Double> ms) {
        List<Double> sorted = new ArrayList<>(ms);
        sorted.sort(Double::compare);
        return Map.of("p50_ms", round(sorted.get(sorted.size() / 2)), "p95_ms", round(sorted.get((int) (sorted.size() * 0.95))),
                "queries", (double) sorted.size());
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static ObjectNode query(String owner, String text) {
        return Json.mapper().createObjectNode().put("query", text).put("user_id", owner).put("k", 10);
    }

    /** Answers that still hold the subject's words or any of its memories: every read path. */
    private static int retrievalHits(MemoryClient agent, String subject, String secret, List<String> oldRecords) throws Exception {
        int hits = 0;
        for (String mode : List.of("hybrid", "bm25", "vector")) {
            JsonNode answer = agent.search(query(subject, "my cousin " + secret).put("mode", mode).put("reinforce", false));
            hits += answer.path("hits").size();
        }
        hits += agent.search(query(subject, "my cousin " + secret).put("as_of", "2099-01-01T00:00:00Z").put("reinforce", false))
                .path("hits").size();
        JsonNode pack = agent.context(query(subject, "my cousin " + secret).put("budget_tokens", 500));
        hits += pack.toString().contains(secret) ? 1 : 0;
        for (String record : oldRecords) {
            hits += agent.history(subject, record).isMissingNode() ? 0 : 1;
        }
        return hits;
    }

    /** The whole log replayed into a fresh index: documents of the subjects there (the kept owners must come back). */
    private int replayHits(LocalStack stack, List<String> subjects, List<String> kept) throws Exception {
        String alias = "replay-" + UUID.randomUUID().toString().substring(0, 8);
        var model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q", true);
        try (var replay = new QueryService(QueryService.Config.local(stack.kafkaBootstrapServers(), stack.registryUrl(),
                stack.openSearchUrl(), alias, alias + "-materializer", "bge-small-en-v1.5-q", ApiKeys.load(KEY + "=" + TENANT, null),
                stack.serviceToken(), 0, stack.encryption()), model)) {
            var fresh = new MemoryClient(stack.ingestUrl(), "http://127.0.0.1:" + replay.port(), KEY);
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (System.nanoTime() < deadline && kept.stream().anyMatch(k -> {
                try {
                    return fresh.count(k) < options.turns();
                } catch (Exception e) {
                    return true;
                }
            })) {
                Thread.sleep(1000);
            }
            int hits = 0;
            for (String subject : subjects) {
                hits += (int) fresh.count(subject);
            }
            return hits;
        }
    }

    private static void awaitReceipts(LocalStack stack, Set<String> erasures) {
        Predicate<List<AuditEntry>> allIn = entries -> entries.stream()
                .filter(e -> e.getAction() == AuditAction.ERASE_INDEXES).map(AuditEntry::getEventId).toList().containsAll(erasures);
        if (!allIn.test(AuditTrail.readUntil(stack, allIn, Duration.ofMinutes(5)))) {
            throw new IllegalStateException("erasures without an index receipt after 5 minutes");
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @SuppressWarnings("unchecked")
    static String report(Map<String, Object> r) {
        var off = (Map<String, Object>) r.get("encryption_off");
        var on = (Map<String, Object>) r.get("encryption_on");
        return String.format(Locale.ROOT, """
                # Erasure (%s)

                | subjects erased | plaintext hits | retrieval hits | replay hits | erased from every index (s) | expunged from disk (s) |
                |---|---|---|---|---|---|
                | %s | %s | %s | %s | %s | %s |

                | retrieval | p50 ms | p95 ms |
                |---|---|---|
                | encryption off | %s | %s |
                | encryption on | %s | %s |
                | ratio on / off | %s | %s |
                """, r.get("machine"), r.get("subjects_erased"), r.get("plaintext_hits"), r.get("retrieval_hits"),
                r.get("replay_hits"), r.get("erasure_seconds"), r.get("expunged_seconds"), off.get("p50_ms"), off.get("p95_ms"),
                on.get("p50_ms"), on.get("p95_ms"), r.get("latency_ratio_encrypted"), r.get("latency_ratio_encrypted_p95"));
    }
}
