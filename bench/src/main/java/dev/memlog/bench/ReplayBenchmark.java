package dev.memlog.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.config.Env;
import dev.memlog.consolidation.ConsolidationService;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.embedding.Vectors;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.stack.LocalStack;
import dev.memlog.client.MemoryClient;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code ./benchmark replay [--records 10000] [--turns 400] [--queries 200]}: how fast the log becomes memory again, each
 * against a baseline of the same run. A blue/green rebuild of {@code records} memory records (no re-embedding) against
 * a raw Kafka consumer reading the same topic; an analyst replay of one owner's {@code turns} turns (re-embedded by the
 * consolidation code) against the embedding model alone on the same texts; as-of retrieval against live retrieval on
 * the same index. Writes bench/results/replay-latest.json and .md.
 */
public final class ReplayBenchmark {
    private static final String TENANT = "bench";
    private static final String KEY = "bench-analyst-key-0123456789abcdef";
    private static final String[] TOPICS = {"the garden", "a trip to the coast", "the new kitchen", "the violin lessons",
        "a book about rivers", "the neighbour's dog", "the bicycle repair", "a recipe for soup", "the night shift",
        "a chess club", "the flat in Leeds", "the marathon training"};
    private static final String GREEN_MODEL = "all-minilm-l6-v2-q";
    private static final String[] PEOPLE = {"Ann", "Bo", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal"};

    record Options(int records, int turns, int queries, int rederiveTurns, Path outDir) {
        static Options parse(List<String> args) {
            int records = 10_000;
            int turns = 400;
            int queries = 200;
            int rederiveTurns = 2_000;
            for (int i = 0; i + 1 < args.size(); i += 2) {
                switch (args.get(i)) {
                    case "--records" -> records = Integer.parseInt(args.get(i + 1));
                    case "--turns" -> turns = Integer.parseInt(args.get(i + 1));
                    case "--queries" -> queries = Integer.parseInt(args.get(i + 1));
                    case "--rederive-turns" -> rederiveTurns = Integer.parseInt(args.get(i + 1));
                    default -> throw new IllegalArgumentException("unknown option " + args.get(i));
                }
            }
            return new Options(records, turns, queries, rederiveTurns, Path.of("bench", "results"));
        }
    }

    private final Options options;
    private final PrintStream out = System.out;
    private final HttpClient http = HttpClient.newHttpClient();

    ReplayBenchmark(Options options) {
        this.options = options;
    }

    static String sentence(Random r, int i) {
        return PEOPLE[r.nextInt(PEOPLE.length)] + " and I talked about " + TOPICS[r.nextInt(TOPICS.length)] + " on day "
                + (i % 365) + "; we agreed to meet " + PEOPLE[r.nextInt(PEOPLE.length)] + " again about "
                + TOPICS[r.nextInt(TOPICS.length)] + ".";
    }

    void run() throws Exception {
        Path dir = Files.createTempDirectory("memlog-replay-bench");
        var keys = ApiKeys.load(KEY + "=" + TENANT + ";scopes=read+write+admin;reads=tenant", null);
        var config = new LocalStack.Config(dir, 0, 0, 0, 0, 0, 0, keys, "bge-small-en-v1.5-q", 3,
                Map.of("ENCRYPTION", "off", "RATE_LIMIT_READS_PER_SECOND", "0", "RATE_LIMIT_WRITES_PER_SECOND", "0"));
        Map<String, Object> result = new LinkedHashMap<>();
        out.println("== starting the stack");
        try (var stack = new LocalStack(config, line -> out.println("   " + line.strip()))) {
            EmbeddingProvider model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
            var client = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), KEY);
            // the analyst's owner: turns through the real ingest and consolidation, replayed later
            String owner = "replay-owner";
            List<String> texts = appendTurns(client, owner);
            seedRecords(stack, model);
            long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
            while ((client.count(owner) < options.turns() || client.stats(null).path("records").asLong()
                    < options.records() + options.turns()) && System.nanoTime() < deadline) {
                Thread.sleep(1000);
            }
            out.printf("   %,d records materialized%n", client.stats(null).path("records").asLong());

            long raw = rawConsumer(stack);
            JsonNode rebuild = rebuild(stack);
            long rebuilt = rebuild.path("records").asLong();
            double rebuildSeconds = seconds(rebuild);
            double rawPerSecond = raw / rawSeconds;
            result.put("records", rebuilt);
            result.put("records_per_s", round(rebuilt / rebuildSeconds));
            result.put("raw_consumer_records_per_s", round(rawPerSecond));
            result.put("rebuild_vs_raw_consumer", round3(rebuilt / rebuildSeconds / rawPerSecond));

            double modelAlone = modelAlone(model, texts);
            JsonNode replay = replay(stack, owner);
            double replaySeconds = seconds(replay);
            long replayed = replay.path("replayed").asLong();
            Map<String, Object> analyst = new LinkedHashMap<>();
            analyst.put("turns", replayed);
            analyst.put("derived", replay.path("derived").asLong());
            analyst.put("seconds", round3(replaySeconds));
            analyst.put("turns_per_s", round(replayed / replaySeconds));
            analyst.put("model_alone_per_s", round(modelAlone));
            analyst.put("vs_model_alone", round3(replayed / replaySeconds / modelAlone));
            analyst.put("diff_same", replay.path("diff").path("same").asLong());
            analyst.put("diff_only_in_replay", replay.path("diff").path("only_in_replay_count").asLong());
            analyst.put("diff_only_in_reference", replay.path("diff").path("only_in_reference_count").asLong());
            result.put("replay", analyst);

            var latency = asOfLatency(client);
            result.put("asof_latency_ratio", round3(latency.get("asof_p50_ms") / latency.get("live_p50_ms")));
            result.put("asof_latency_ratio_p95", round3(latency.get("asof_p95_ms") / latency.get("live_p95_ms")));
            result.put("latency_ms", latency);

            // the engine alone: the same documents bulk-indexed straight into OpenSearch, with and without vectors
            List<MemoryRecord> seeded = seededRecords(model);
            double engine = engineBulk(stack, seeded, true);
            double engineWithoutVectors = engineBulk(stack, seeded, false);
            result.put("engine_bulk_records_per_s", round(engine));
            result.put("engine_bulk_without_vectors_records_per_s", round(engineWithoutVectors));
            result.put("rebuild_vs_engine_bulk", round3(rebuilt / rebuildSeconds / engine));

            // last, since it moves the alias to another model: a consolidation with that model derives the log again
            // beside the first, and a rebuild swaps its generation in once it has caught up
            List<String> all = new ArrayList<>(texts);
            all.addAll(appendMoreTurns(client));
            EmbeddingProvider other = OnnxEmbeddingProvider.fromSetting(GREEN_MODEL);
            double otherAlone = modelAlone(other, all);
            long t0 = System.nanoTime();
            JsonNode rederived;
            try (var green = greenConsolidation(stack, other)) {
                rederived = rebuild(stack, "{\"derivation\":\"green\",\"embedding_model\":\"" + GREEN_MODEL + "\"}");
            }
            double rederiveSeconds = (System.nanoTime() - t0) / 1e9;
            long turns = all.size();
            result.put("reembed_records_per_s", round(turns / rederiveSeconds));
            result.put("model_alone_per_s", round(otherAlone));
            result.put("reembed_vs_model_alone", round3(turns / rederiveSeconds / otherAlone));
            result.put("rederivation", Map.of("model", GREEN_MODEL, "turns", turns, "records_copied",
                    rederived.path("records").asLong(), "seconds", round3(rederiveSeconds)));
        }
        result.put("workload", Map.of("records", options.records(), "turns", options.turns(), "queries", options.queries(),
                "rederive_turns", options.turns() + options.rederiveTurns()));
        result.put("machine", ResultFiles.machine());
        result.put("date", Instant.now().toString());
        ResultFiles.write(options.outDir(), "replay-latest", result, report(result), out);
    }

    private List<String> appendTurns(MemoryClient client, String owner) throws Exception {
        Random r = new Random(7);
        List<String> texts = new ArrayList<>();
        for (int start = 0; start < options.turns(); start += 100) {
            ObjectNode batch = Json.mapper().createObjectNode();
            var turns = batch.putArray("turns");
            for (int i = start; i < Math.min(options.turns(), start + 100); i++) {
                String text = sentence(r, i);
                texts.add(text);
                turns.addObject().put("user_id", owner).put("session_id", owner + "-s" + (i / 20)).put("role", "user")
                        .put("content", text).put("timestamp", Instant.parse("2023-01-01T09:00:00Z")
                                .plus(Duration.ofMinutes(5L * i)).toString());
            }
            client.appendTurns(batch);
        }
        out.printf("   %,d turns of %s appended%n", texts.size(), owner);
        return texts;
    }

    /** Memory records as consolidation writes them, with vectors, for 50 users: what a rebuild copies. */
    private List<MemoryRecord> seededRecords(EmbeddingProvider model) {
        Random r = new Random(11);
        List<MemoryRecord> records = new ArrayList<>();
        for (int i = 0; i < options.records(); i++) {
            String user = "user-" + (i % 50);
            Instant at = Instant.parse("2023-01-01T00:00:00Z").plus(Duration.ofMinutes(37L * i));
            records.add(MemoryRecord.newBuilder().setRecordId("seed-" + i).setTenantId(TENANT).setUserId(user)
                    .setSessionId(user + "-s" + (i / 500)).setTier(MemoryTier.EPISODIC).setRole("user")
                    .setText(sentence(r, i)).setEmbedding(unit(r, model.dimension())).setContextEmbedding(unit(r, model.dimension()))
                    .setEmbeddingModel(model.modelId()).setImportance(0.5).setObservedAt(at).setCreatedAt(at)
                    .setValidFrom(at).setProvenance(List.of("seed-event-" + i)).setVersion(1).build());
        }
        return records;
    }

    private void seedRecords(LocalStack stack, EmbeddingProvider model) throws Exception {
        var format = AvroFormat.plain(new SchemaRegistryClient(stack.registryUrl(), stack.serviceToken().authorization()));
        var serde = Topics.MEMORY_RECORDS.valueSerde(format);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (MemoryRecord record : seededRecords(model)) {
                producer.send(new ProducerRecord<>(Topics.MEMORY_RECORDS.name(), MemoryOwner.of(TENANT, record.getUserId(), null)
                        .key().getBytes(StandardCharsets.UTF_8), serde.serialize(record)));
            }
        }
        out.printf("   %,d memory records written to memory.records%n", options.records());
    }

    /**
     * The baseline for a rebuild: the same documents bulk-indexed by OpenSearch straight from memory, two requests in
     * flight as the rebuild keeps, into an index of the live mapping (or, without vectors, of that mapping less them).
     */
    private double engineBulk(LocalStack stack, List<MemoryRecord> records, boolean vectors) throws Exception {
        String index = "bench-engine-" + (vectors ? "vectors" : "text");
        var definition = (ObjectNode) Json.mapper().readTree(dev.memlog.query.MemoryIndex.definition(384, 1, 0));
        if (!vectors) {
            ((ObjectNode) definition.path("mappings").path("properties")).remove(List.of("embedding", "context_embedding"));
        }
        var engine = new EngineBulk(stack.openSearchUrl());
        engine.call("PUT", "/" + index, definition.toString());
        List<Map.Entry<String, Map<String, Object>>> docs = new ArrayList<>();
        for (MemoryRecord record : records) {
            Map<String, Object> doc = new LinkedHashMap<>(dev.memlog.query.MemoryIndex.document(record));
            if (!vectors) {
                doc.remove("embedding");
                doc.remove("context_embedding");
            }
            docs.add(Map.entry(record.getRecordId(), doc));
        }
        long t0 = System.nanoTime();
        // two requests in flight, as the rebuild keeps; sent again while the node is too busy for one (429), as it does
        engine.index(index, docs, 500, 2);
        engine.call("POST", "/" + index + "/_refresh", null);
        double seconds = (System.nanoTime() - t0) / 1e9;
        engine.call("DELETE", "/" + index, null);
        out.printf("   engine alone%s: %,d documents in %.2f s%n", vectors ? "" : " (without vectors)", records.size(), seconds);
        return records.size() / seconds;
    }

    /** More owners' turns through ingest and the first consolidation, for the re-derivation to derive again. */
    private List<String> appendMoreTurns(MemoryClient client) throws Exception {
        Random r = new Random(13);
        List<String> texts = new ArrayList<>();
        for (int start = 0; start < options.rederiveTurns(); start += 100) {
            ObjectNode batch = Json.mapper().createObjectNode();
            var turns = batch.putArray("turns");
            for (int i = start; i < Math.min(options.rederiveTurns(), start + 100); i++) {
                String text = sentence(r, i);
                texts.add(text);
                String owner = "rederive-" + (i % 20);
                turns.addObject().put("user_id", owner).put("session_id", owner + "-s" + (i / 200)).put("role", "user")
                        .put("content", text).put("timestamp", Instant.parse("2023-06-01T09:00:00Z")
                                .plus(Duration.ofMinutes(5L * i)).toString());
            }
            client.appendTurns(batch);
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        while (total(client, "rederive-", 20) < options.rederiveTurns() && System.nanoTime() < deadline) {
            Thread.sleep(1000);
        }
        out.printf("   %,d more turns appended and derived by the first consolidation%n", texts.size());
        return texts;
    }

    private static long total(MemoryClient client, String prefix, int owners) throws Exception {
        long n = 0;
        for (int i = 0; i < owners; i++) {
            n += client.count(prefix + i);
        }
        return n;
    }

    private static List<Float> unit(Random r, int dimension) {
        float[] v = new float[dimension];
        double norm = 0;
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) r.nextGaussian();
            norm += v[i] * v[i];
        }
        for (int i = 0; i < dimension; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return Vectors.toList(v);
    }

    /** A consolidation of its own derivation with another model, beside the stack's, from the start of the log. */
    private static ConsolidationService greenConsolidation(LocalStack stack, EmbeddingProvider model) throws Exception {
        return new ConsolidationService(ConsolidationService.Config.from(new Env(Map.ofEntries(
                Map.entry("DERIVATION", "green"), Map.entry("EMBEDDING_MODEL", model.modelId()),
                Map.entry("KAFKA_BOOTSTRAP_SERVERS", stack.kafkaBootstrapServers()), Map.entry("SCHEMA_REGISTRY_URL", stack.registryUrl()),
                Map.entry("SERVICE_TOKEN", stack.serviceToken().authorization().substring("Bearer ".length())), Map.entry("HTTP_HOST", "127.0.0.1"),
                Map.entry("CONSOLIDATION_PORT", "0"), Map.entry("STREAMS_STATE_DIR",
                        Files.createTempDirectory("memlog-green-streams").toString()), Map.entry("TOPIC_PARTITIONS", "3"),
                Map.entry("TOPIC_REPLICATION_FACTOR", "1"), Map.entry("STREAMS_STANDBY_REPLICAS", "0")))), model);
    }

    private double rawSeconds;

    /** Reads all of memory.records once with a plain consumer, no group, values not even deserialized. */
    private long rawConsumer(LocalStack stack) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.MEMORY_RECORDS.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            long t0 = System.nanoTime();
            long read = 0;
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
            rawSeconds = (System.nanoTime() - t0) / 1e9;
            out.printf("   raw consumer: %,d records in %.2f s%n", read, rawSeconds);
            return read;
        }
    }

    private JsonNode rebuild(LocalStack stack) throws Exception {
        return rebuild(stack, "");
    }

    private JsonNode rebuild(LocalStack stack, String body) throws Exception {
        String token = stack.serviceToken().authorization();
        var started = http.send(HttpRequest.newBuilder(URI.create(stack.queryUrl() + "/v1/admin/rebuild"))
                .header("Authorization", token).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (started.statusCode() != 202) {
            throw new IllegalStateException("rebuild not started: " + started.body());
        }
        return await(HttpRequest.newBuilder(URI.create(stack.queryUrl() + "/v1/admin/rebuild")).header("Authorization", token),
                "rebuild", "records");
    }

    private JsonNode replay(LocalStack stack, String owner) throws Exception {
        var started = http.send(HttpRequest.newBuilder(URI.create(stack.queryUrl() + "/v1/admin/replay")).header(ApiKeys.HEADER, KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{\"user_id\":\"" + owner + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        if (started.statusCode() != 202) {
            throw new IllegalStateException("replay not started: " + started.body());
        }
        String id = Json.mapper().readTree(started.body()).path("replay_id").asText();
        return await(HttpRequest.newBuilder(URI.create(stack.queryUrl() + "/v1/admin/replay/" + id)).header(ApiKeys.HEADER, KEY),
                "replay", "events");
    }

    private JsonNode await(HttpRequest.Builder request, String what, String counted) throws Exception {
        while (true) {
            JsonNode p = Json.mapper().readTree(http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString()).body());
            if (p.path("finished_at").isTextual()) {
                if (!"done".equals(p.path("state").asText())) {
                    throw new IllegalStateException(what + " failed: " + p);
                }
                out.printf("   %s: %,d %s in %.2f s%n", what, p.path(counted).asLong(), counted, seconds(p));
                return p;
            }
            Thread.sleep(250);
        }
    }

    private static double seconds(JsonNode progress) {
        return Duration.between(Instant.parse(progress.path("started_at").asText()),
                Instant.parse(progress.path("finished_at").asText())).toNanos() / 1e9;
    }

    /** The model embedding what consolidation embeds for each turn: the turn, and the turn after the previous one. */
    private double modelAlone(EmbeddingProvider model, List<String> texts) {
        model.embedDocuments(texts.subList(0, Math.min(20, texts.size()))); // warm
        long t0 = System.nanoTime();
        for (int i = 0; i < texts.size(); i++) {
            model.embedDocuments(i == 0 ? List.of(texts.get(i)) : List.of(texts.get(i), texts.get(i - 1) + "\n" + texts.get(i)));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.printf("   model alone: %,d turns in %.2f s%n", texts.size(), seconds);
        return texts.size() / seconds;
    }

    /** The same question of the same owner live and as of now, back to back in a random order. */
    private Map<String, Double> asOfLatency(MemoryClient client) throws Exception {
        Percentiles live = new Percentiles();
        Percentiles asOf = new Percentiles();
        Random r = new Random(3);
        String now = Instant.now().toString();
        for (int i = 0; i < options.queries() + 20; i++) {
            ObjectNode q = Json.mapper().createObjectNode().put("query", "what did we say about " + TOPICS[r.nextInt(TOPICS.length)]
                    + " with " + PEOPLE[r.nextInt(PEOPLE.length)] + "?").put("user_id", "user-" + r.nextInt(50)).put("k", 10)
                    .put("rerank", false).put("reinforce", false);
            ObjectNode past = q.deepCopy().put("as_of", now);
            boolean liveFirst = r.nextBoolean();
            double a = time(client, liveFirst ? q : past);
            double b = time(client, liveFirst ? past : q);
            if (i >= 20) { // the first ones warm both paths
                live.add(liveFirst ? a : b);
                asOf.add(liveFirst ? b : a);
            }
        }
        Map<String, Double> latency = new LinkedHashMap<>();
        latency.put("live_p50_ms", round3(live.at(50)));
        latency.put("live_p95_ms", round3(live.at(95)));
        latency.put("asof_p50_ms", round3(asOf.at(50)));
        latency.put("asof_p95_ms", round3(asOf.at(95)));
        return latency;
    }

    private static double time(MemoryClient client, ObjectNode request) throws Exception {
        long t = System.nanoTime();
        client.search(request);
        return (System.nanoTime() - t) / 1e6;
    }

    private static double round(double x) {
        return Math.round(x * 10) / 10.0;
    }

    private static double round3(double x) {
        return Math.round(x * 1000) / 1000.0;
    }

    static String report(Map<String, Object> r) {
        Map<?, ?> latency = (Map<?, ?>) r.get("latency_ms");
        Map<?, ?> replay = (Map<?, ?>) r.get("replay");
        return """
                # Replay and rebuild

                | measure | value | baseline (same run) | ratio |
                |---|---|---|---|
                | rebuild, records/s (same derivation, no re-embedding) | %s | raw consumer %s | %s |
                | rebuild against OpenSearch bulk-indexing the same documents | %s | engine alone %s (without vectors %s) | %s |
                | re-derivation with another model, turns/s (consolidation from the log, rebuild, swap) | %s | model alone %s | %s |
                | analyst replay, turns/s (re-embedding) | %s | model alone %s | %s |
                | as-of retrieval p50 | %s ms | live %s ms | %s |

                Records rebuilt: %s. Re-derivation: %s. Replay: %s. Latency: %s. Machine: %s; %s.
                """.formatted(r.get("records_per_s"), r.get("raw_consumer_records_per_s"), r.get("rebuild_vs_raw_consumer"),
                r.get("records_per_s"), r.get("engine_bulk_records_per_s"), r.get("engine_bulk_without_vectors_records_per_s"),
                r.get("rebuild_vs_engine_bulk"), r.get("reembed_records_per_s"), r.get("model_alone_per_s"), r.get("reembed_vs_model_alone"),
                replay.get("turns_per_s"), replay.get("model_alone_per_s"), replay.get("vs_model_alone"),
                latency.get("asof_p50_ms"), latency.get("live_p50_ms"), r.get("asof_latency_ratio"), r.get("records"),
                r.get("rederivation"), replay, latency, r.get("machine"), r.get("date"));
    }
}
