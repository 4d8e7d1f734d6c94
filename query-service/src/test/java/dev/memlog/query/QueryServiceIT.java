package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.embedding.Vectors;
import dev.memlog.registry.Compatibility;
import dev.memlog.registry.SchemaRegistryServer;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.AccessKind;
import dev.memlog.schemas.avro.MemoryAccess;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.avro.RecordChange;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.testkit.KafkaBroker;
import dev.memlog.testkit.TestCredentials;
import dev.memlog.testkit.OpenSearchNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The materializer and retrieval against a real broker, registry and OpenSearch node with k-NN. */
class QueryServiceIT {
    /** Analysts' keys: they read across their tenant's owners. */
    static final String KEY_A = "key-a-0123456789abcdefgh";
    static final String KEY_B = "key-b-0123456789abcdefgh";
    /** An agent's key: each read names one owner. */
    static final String OWNER_KEY = "owner-key-0123456789abcdef";
    static final String READ_ONLY_KEY = "read-only-key-0123456789ab";
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static KafkaBroker kafka;
    static OpenSearchNode openSearch;
    static SchemaRegistryServer registry;
    static QueryService query;
    static EmbeddingProvider model;
    static KafkaProducer<String, MemoryRecord> producer;
    static OpenSearchRest os;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start(dir.resolve("kafka"));
        openSearch = OpenSearchNode.start(dir.resolve("opensearch"));
        registry = new SchemaRegistryServer(new SchemaRegistryServer.Config(kafka.bootstrapServers(), "127.0.0.1", 0,
                "_schemas", Compatibility.BACKWARD, new ServiceToken(TestCredentials.SERVICE_TOKEN)));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Topics.ensureCreated(admin, dev.memlog.schemas.TopicSettings.singleBroker(3));
        }
        model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
        query = new QueryService(QueryService.Config.local(kafka.bootstrapServers(), registry.url(), openSearch.url(),
                "memlog-test", "materializer-test", model.modelId(), ApiKeys.load(KEY_A + "=tenant-a;reads=tenant," + KEY_B + "=tenant-b;reads=tenant," + OWNER_KEY + "=tenant-a,"
                        + READ_ONLY_KEY + "=tenant-a;scopes=read", null), new ServiceToken(TestCredentials.SERVICE_TOKEN), 0, dev.memlog.schemas.sealing.Encryption.off()), model);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        var topic = Topics.MEMORY_RECORDS;
        producer = new KafkaProducer<>(props, topic.keySerde().serializer(),
                topic.valueSerde(dev.memlog.schemas.serde.AvroFormat.plain(new SchemaRegistryClient(registry.url(), TestCredentials.serviceAuthorization()))).serializer());
        os = new OpenSearchRest(openSearch.url());
    }

    @AfterAll
    static void stop() {
        producer.close();
        query.close();
        os.close();
        registry.close();
        openSearch.close();
        kafka.close();
    }

    static MemoryRecord record(String tenant, String user, String id, String text, int version) {
        return record(tenant, user, id, text, version, embed(text));
    }

    static List<Float> embed(String text) {
        return Vectors.toList(model.embedDocuments(List.of(text)).getFirst());
    }

    static MemoryRecord record(String tenant, String user, String id, String text, int version, List<Float> vector) {
        Instant at = Instant.parse("2023-05-08T13:56:00Z");
        return MemoryRecord.newBuilder().setRecordId(id).setTenantId(tenant).setUserId(user).setSessionId("s1")
                .setTier(MemoryTier.EPISODIC).setRole("user").setText(text).setEmbedding(vector)
                .setEmbeddingModel(model.modelId()).setImportance(0.5).setObservedAt(at).setCreatedAt(at)
                .setValidFrom(at).setProvenance(List.of("event-" + id)).setVersion(version).build();
    }

    static void send(MemoryRecord r) throws Exception {
        producer.send(new ProducerRecord<>(Topics.MEMORY_RECORDS.name(),
                MemoryOwner.of(r.getTenantId(), r.getUserId(), r.getAgentId()).key(), r)).get();
    }

    static long count(String queryJson) {
        // every index of the alias: the same bulk wrote the as-of and history indexes, each refreshed on its own
        os.call("POST", "/memlog-test*/_refresh", null);
        return os.call("POST", "/memlog-test/_count", queryJson).path("count").asLong();
    }

    static HttpResponse<String> search(String key, String body) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + query.port() + "/v1/search"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header(ApiKeys.HEADER, key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anIndexBuiltWithAnotherEmbeddingModelIsRefusedAtStartNamingBoth() {
        var other = OnnxEmbeddingProvider.fromSetting("all-minilm-l6-v2-q");
        // the same dimension: only the model the index records tells the two apart
        assertThat(other.dimension()).isEqualTo(model.dimension());
        assertThat(new MemoryIndex(os, "memlog-test").mapping().path("_meta").path("embedding_model").asText()).isEqualTo(model.modelId());
        var config = QueryService.Config.local(kafka.bootstrapServers(), registry.url(), openSearch.url(), "memlog-test",
                "materializer-other-model", other.modelId(), ApiKeys.load(KEY_A + "=tenant-a", null),
                new ServiceToken(TestCredentials.SERVICE_TOKEN), 0, dev.memlog.schemas.sealing.Encryption.off());
        assertThatThrownBy(() -> new QueryService(config, other)).isInstanceOf(MemoryIndex.EmbeddingModelMismatch.class)
                .hasMessageContaining(model.modelId()).hasMessageContaining(other.modelId()).hasMessageContaining("EMBEDDING_MODEL");
    }

    @Test
    void anIndexMadeBeforeTheModelWasRecordedIsJudgedByItsDocumentsThenRecorded() {
        String alias = "memlog-legacy";
        os.call("PUT", "/" + alias + "-v1", MemoryIndex.definition(model.dimension(), 1, 0));
        os.call("POST", "/_aliases", """
                {"actions":[{"add":{"index":"memlog-legacy-v1","alias":"memlog-legacy","is_write_index":true}}]}""");
        os.call("PUT", "/" + alias + "/_doc/r1", "{\"record_id\":\"r1\",\"embedding_model\":\"an-older-model\"}", Map.of("refresh", "true"));
        var index = new MemoryIndex(os, alias);
        assertThatThrownBy(() -> index.ensure(model.modelId(), model.dimension(), 1, 0))
                .isInstanceOf(MemoryIndex.EmbeddingModelMismatch.class).hasMessageContaining("an-older-model");
        os.call("PUT", "/" + alias + "/_doc/r1", "{\"record_id\":\"r1\",\"embedding_model\":\"" + model.modelId() + "\"}",
                Map.of("refresh", "true"));
        index.ensure(model.modelId(), model.dimension(), 1, 0);
        assertThat(index.mapping().path("_meta").path("embedding_model").asText()).isEqualTo(model.modelId());
    }

    @Test
    void anIndexMadeWithOtherGraphSettingsKeepsThemAndStillStarts() {
        // the graph settings of an index made before they changed: a mapping update may not touch them
        String alias = "memlog-graph";
        os.call("PUT", "/" + alias + "-v1", MemoryIndex.definition(model.dimension(), 1, 0).replace("\"ef_construction\": 64",
                "\"ef_construction\": 128"));
        os.call("POST", "/_aliases", """
                {"actions":[{"add":{"index":"memlog-graph-v1","alias":"memlog-graph","is_write_index":true}}]}""");
        var index = new MemoryIndex(os, alias);
        index.ensure(model.modelId(), model.dimension(), 1, 0);
        index.ensure(model.modelId(), model.dimension(), 1, 0);
        JsonNode embedding = index.mapping().path("properties").path("embedding");
        assertThat(embedding.path("method").path("parameters").path("ef_construction").asInt()).isEqualTo(128);
        assertThat(index.mapping().path("_meta").path("embedding_model").asText()).isEqualTo(model.modelId());
        assertThat(os.call("GET", "/" + alias + "-asof/_mapping", null).path(alias + "-asof").path("mappings").path("properties")
                .path("embedding").path("method").path("parameters").path("ef_construction").asInt())
                .as("a new index takes the current settings").isEqualTo(64);
    }

    @Test
    void mappingIsExplicitWithTheLuceneEngine() {
        JsonNode mapping = query.index().mapping();
        JsonNode embedding = mapping.path("properties").path("embedding");
        assertThat(embedding.path("type").asText()).isEqualTo("knn_vector");
        assertThat(embedding.path("method").path("engine").asText()).isEqualTo("lucene");
        assertThat(embedding.path("dimension").asInt()).isEqualTo(384);
        assertThat(mapping.path("dynamic").asText()).isEqualTo("strict");
    }

    @Test
    void sameRecordTwiceIsOneDocumentAndANewerVersionReplacesIt() throws Exception {
        send(record("tenant-a", "idem", "rec-idem", "I play the cello on Sundays", 1));
        send(record("tenant-a", "idem", "rec-idem", "I play the cello on Sundays", 1));
        await().atMost(Duration.ofSeconds(30)).until(() -> count("{\"query\":{\"term\":{\"record_id\":\"rec-idem\"}}}") == 1);

        send(record("tenant-a", "idem", "rec-idem", "I play the cello on Saturdays now", 2));
        send(record("tenant-a", "idem", "rec-idem", "I play the cello on Sundays", 1)); // a stale replay
        // the owner's records are read in order: once a record sent after the replay is indexed, the replay was read
        // (the materializer's lag is as of its last poll, so it can say 0 before these sends are read)
        send(record("tenant-a", "idem", "rec-idem-after", "A record sent after the replay", 1));
        await().atMost(Duration.ofSeconds(30)).until(() -> count("{\"query\":{\"term\":{\"record_id\":\"rec-idem-after\"}}}") == 1);
        os.call("POST", "/memlog-test/_refresh", null);
        JsonNode doc = os.call("GET", "/memlog-test/_doc/rec-idem", null);
        assertThat(doc.path("_source").path("text").asText()).isEqualTo("I play the cello on Saturdays now");
        assertThat(doc.path("_source").path("provenance").get(0).asText()).isEqualTo("event-rec-idem");
        assertThat(count("{\"query\":{\"term\":{\"record_id\":\"rec-idem\"}}}")).isEqualTo(1);
    }

    @Test
    void smallTenantGetsAllItsHitsAmongManyOtherDocuments() throws Exception {
        // 5,000 near-identical memories of another tenant: a k-NN that filtered after the search would find none of ours
        List<Float> crowdVector = embed("I went hiking in the mountains on a trip");
        for (int i = 0; i < 5000; i++) {
            producer.send(new ProducerRecord<>(Topics.MEMORY_RECORDS.name(), "crowd",
                    record("tenant-b", "crowd", "crowd-" + i, "I went hiking in the mountains on trip number " + i, 1, crowdVector)));
        }
        producer.flush();
        for (int i = 0; i < 5; i++) {
            send(record("tenant-a", "small", "small-" + i, "I went hiking in the hills, outing " + i, 1));
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> count("{\"query\":{\"prefix\":{\"record_id\":\"small-\"}}}") == 5
                && count("{\"query\":{\"prefix\":{\"record_id\":\"crowd-\"}}}") == 5000);

        var response = search(KEY_A, "{\"query\":\"hiking trip in the mountains\",\"user_id\":\"small\",\"k\":10}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode hits = JSON.readTree(response.body()).path("hits");
        assertThat(hits).hasSize(5);
        hits.forEach(h -> {
            assertThat(h.path("record_id").asText()).startsWith("small-");
            // the normalization pipeline ran: fused scores are min-max normalised means, never raw or negative
            assertThat(h.path("score").asDouble()).isBetween(0.0, 1.0);
        });
        assertThat(hits.get(0).path("score").asDouble()).isGreaterThan(0.5);

        for (String mode : List.of("vector", "bm25")) {
            JsonNode single = JSON.readTree(search(KEY_A, "{\"query\":\"hiking trip in the mountains\",\"user_id\":\"small\",\"mode\":\"" + mode + "\"}").body());
            assertThat(single.path("hits")).as(mode).hasSize(5);
        }
    }

    /** Three memories of one user, ids prefix-1 (tea), prefix-2 (coffee), prefix-3 (garden), once searchable. */
    static void seedTeaCoffeeAndGarden(String user, String prefix) throws Exception {
        send(record("tenant-a", user, prefix + "-1", "My favourite tea is a smoky lapsang souchong", 1));
        send(record("tenant-a", user, prefix + "-2", "I drink coffee every morning before work", 1));
        send(record("tenant-a", user, prefix + "-3", "The garden needs watering twice a week in summer", 1));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> count("{\"query\":{\"prefix\":{\"record_id\":\"" + prefix + "-\"}}}") == 3);
    }

    /**
     * The fusion done here is the engine's: the same three sub-queries sent as one hybrid query through a min-max and
     * arithmetic-mean pipeline pick the same candidates in the same order with the same fused scores.
     */
    @Test
    void theFusionHereChoosesAndScoresAsTheEnginesNormalizationPipelineDoes() throws Exception {
        String[] subjects = {"tea", "coffee", "garden", "violin", "passport", "bicycle", "kitchen", "river", "chess", "marathon"};
        String[] verbs = {"I like", "Ann talked about", "we argued over", "Bo forgot", "I bought a book on", "my sister loves"};
        java.util.Random r = new java.util.Random(17);
        for (int i = 0; i < 60; i++) {
            send(record("tenant-a", "fusion", "fu-" + i, verbs[r.nextInt(verbs.length)] + " the " + subjects[r.nextInt(subjects.length)]
                    + " on day " + i + " with " + subjects[r.nextInt(subjects.length)], 1));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> count("{\"query\":{\"prefix\":{\"record_id\":\"fu-\"}}}") == 60);
        os.call("PUT", "/_search/pipeline/fusion-check", """
                {"phase_results_processors":[{"normalization-processor":{"normalization":{"technique":"min_max"},
                  "combination":{"technique":"arithmetic_mean","parameters":{"weights":[0.5,0.25,0.25]}}}}]}""");
        var tuning = QueryService.Config.tuning(new dev.memlog.common.config.Env(Map.of()));
        var retriever = new HybridRetriever(os, query.index(), model, tuning);
        for (String question : List.of("which tea do I like?", "what did Ann say about the violin", "passport on day 12",
                "my sister", "chess and marathon")) {
            var request = SearchRequest.parse(JSON.createObjectNode().put("query", question).put("user_id", "fusion"));
            var engine = retriever.engineRequest("tenant-a", request);
            JsonNode lists = os.call("POST", engine.path(), engine.body(), engine.params()).path("responses");
            List<JsonNode> hitLists = new java.util.ArrayList<>();
            lists.forEach(l -> hitLists.add(l.path("hits").path("hits")));
            int pool = HybridRetriever.poolSize(request);
            // one more than the pool, to tell a tie at its edge
            var ours = HybridFusion.fuse(hitLists, new double[] {0.5, 0.25, 0.25}, pool + 1);

            var hybrid = JSON.createObjectNode().put("size", pool);
            var queries = hybrid.putObject("query").putObject("hybrid").putArray("queries");
            engine.body().lines().skip(1).filter(line -> line.contains("\"query\"")).forEach(line -> {
                try {
                    queries.add(JSON.readTree(line).path("query"));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            JsonNode theirs = os.call("POST", "/" + retriever.target(request) + "/_search", hybrid.toString(),
                    Map.of("search_pipeline", "fusion-check")).path("hits").path("hits");
            assertThat(Math.min(ours.size(), pool)).as(question).isEqualTo(theirs.size()).isPositive();
            for (int i = 0; i < theirs.size(); i++) {
                assertThat(ours.get(i).fused()).as(question + " #" + i).isCloseTo(theirs.get(i).path("_score").asDouble(),
                        org.assertj.core.data.Offset.offset(1e-5));
                boolean tiedWithNext = i + 1 < ours.size() && Math.abs(ours.get(i).fused() - ours.get(i + 1).fused()) <= 1e-5;
                boolean tiedWithPrevious = i > 0 && Math.abs(ours.get(i).fused() - ours.get(i - 1).fused()) <= 1e-5;
                if (!tiedWithNext && !tiedWithPrevious) {
                    // the same memory where no tie makes the order arbitrary
                    assertThat(ours.get(i).id()).as(question + " #" + i).isEqualTo(theirs.get(i).path("_id").asText());
                }
            }
        }
    }

    @Test
    void everyHitExplainsItsScoreAndTheComponentsAddUp() throws Exception {
        seedTeaCoffeeAndGarden("explain", "ex");

        JsonNode hits = JSON.readTree(search(KEY_A, "{\"query\":\"which tea do I like?\",\"user_id\":\"explain\"}").body()).path("hits");

        assertThat(hits).hasSize(3);
        assertThat(hits.get(0).path("record_id").asText()).isEqualTo("ex-1");
        double previous = Double.MAX_VALUE;
        for (JsonNode hit : hits) {
            JsonNode e = hit.path("explanation");
            double sum = e.path("bm25").asDouble() + e.path("vector").asDouble() + e.path("neighbour").asDouble()
                    + e.path("question").asDouble() + e.path("speaker").asDouble() + e.path("recency").asDouble()
                    + e.path("importance").asDouble() + e.path("strength").asDouble() + e.path("rerank").asDouble();
            assertThat(sum).isCloseTo(hit.path("score").asDouble(), org.assertj.core.data.Offset.offset(1e-9));
            assertThat(e.path("score").asDouble()).isEqualTo(hit.path("score").asDouble());
            assertThat(hit.path("score").asDouble()).isLessThanOrEqualTo(previous);
            previous = hit.path("score").asDouble();
        }
        JsonNode top = hits.get(0).path("explanation");
        assertThat(top.path("bm25_raw").asDouble()).isPositive();
        assertThat(top.path("vector_raw").asDouble()).isPositive();
        assertThat(top.path("matched_terms")).as("the engine's explanation is asked for, not paid for on every search").isEmpty();
        JsonNode explained = JSON.readTree(search(KEY_A, "{\"query\":\"which tea do I like?\",\"user_id\":\"explain\",\"explain\":true}")
                .body()).path("hits").path(0);
        assertThat(explained.path("record_id").asText()).isEqualTo("ex-1");
        assertThat(explained.path("explanation").path("matched_terms")).extracting(JsonNode::asText).contains("tea");
        assertThat(explained.path("score").asDouble()).isEqualTo(hits.get(0).path("score").asDouble());
    }

    @Test
    void timeRangeAndMetadataFiltersNarrowEveryMode() throws Exception {
        String[][] memories = {
                {"sc-1", "2023-05-08T10:00:00Z", "support", "The printer on floor two jams every morning"},
                {"sc-2", "2023-07-01T10:00:00Z", "sales", "The printer contract renews in July"},
                {"sc-3", "2023-07-02T10:00:00Z", "support", "The printer needs a new toner cartridge"}};
        for (String[] m : memories) {
            var r = record("tenant-a", "scoped", m[0], m[3], 1);
            r.setObservedAt(Instant.parse(m[1]));
            r.setMetadata(Map.of("channel", m[2]));
            send(r);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> count("{\"query\":{\"prefix\":{\"record_id\":\"sc-\"}}}") == 3);

        for (String mode : List.of("hybrid", "vector", "bm25")) {
            String base = "{\"query\":\"printer problems\",\"user_id\":\"scoped\",\"mode\":\"" + mode + "\"";
            assertThat(ids(base + ",\"metadata\":{\"channel\":\"support\"}}")).as(mode).containsExactlyInAnyOrder("sc-1", "sc-3");
            assertThat(ids(base + ",\"time_range\":{\"from\":\"2023-06-01T00:00:00Z\"}}")).as(mode)
                    .containsExactlyInAnyOrder("sc-2", "sc-3");
            assertThat(ids(base + ",\"time_range\":{\"from\":\"2023-06-01T00:00:00Z\",\"to\":\"2023-07-01T23:00:00Z\"},"
                    + "\"metadata\":{\"channel\":\"sales\"}}")).as(mode).containsExactly("sc-2");
        }
    }

    static List<String> ids(String body) throws Exception {
        var response = search(KEY_A, body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        JSON.readTree(response.body()).path("hits").forEach(h -> ids.add(h.path("record_id").asText()));
        return ids;
    }

    /** Rates 10 every passage that mentions the garden and 0 the rest, as a model on an OpenAI-compatible endpoint. */
    static String gardenJudge(String requestBody) {
        try {
            String prompt = JSON.readTree(requestBody).path("messages").get(1).path("content").asText();
            List<String> scores = prompt.lines().filter(l -> l.matches("\\[\\d+] .*"))
                    .map(l -> l.contains("garden") ? "10" : "0").toList();
            return "{\"scores\": [" + String.join(",", scores) + "]}";
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anLlmRerankerReordersThePoolAndItsFailureLeavesTheShapedOrder() throws Exception {
        seedTeaCoffeeAndGarden("rerank", "rr");
        try (var stub = new dev.memlog.testkit.OpenAiCompatibleStub(QueryServiceIT::gardenJudge)) {
            var endpoint = new dev.memlog.common.llm.LlmEndpoint(stub.baseUrl(), "judge", "key", Duration.ofSeconds(5));
            var tuning = QueryService.Config.tuning(new dev.memlog.common.config.Env(Map.of()))
                    .withReranker(new LlmReranker(endpoint.client()), 1.0);
            var retriever = new HybridRetriever(os, query.index(), model, tuning);
            String ask = "{\"query\":\"which tea do I like?\",\"user_id\":\"rerank\"%s}";

            var reranked = retriever.search("tenant-a", SearchRequest.parse(JSON.readTree(ask.formatted(""))));
            assertThat(reranked.getFirst().recordId()).isEqualTo("rr-3");
            assertThat(reranked.getFirst().explanation().rerank()).isEqualTo(1.0);
            assertThat(reranked.getFirst().score()).isEqualTo(1.0);
            assertThat(stub.requests()).hasSize(1);

            var asked = retriever.search("tenant-a", SearchRequest.parse(JSON.readTree(ask.formatted(",\"rerank\":false"))));
            assertThat(asked.getFirst().recordId()).isEqualTo("rr-1");
            assertThat(stub.requests()).hasSize(1);

            stub.failWith(500);
            var fallback = retriever.search("tenant-a", SearchRequest.parse(JSON.readTree(ask.formatted(""))));
            assertThat(fallback).hasSize(3);
            assertThat(fallback.getFirst().recordId()).isEqualTo("rr-1");
            assertThat(fallback).allMatch(h -> h.explanation().rerank() == 0);
        }
    }

    @Test
    void aContextPackAsOfAPastMomentBringsNoNeighbourSaidAfterIt() throws Exception {
        String[] turns = {"Ann: when does the harbour ferry leave?", "The harbour ferry to Ostrava leaves at seven.",
                "Ann: I moved the dentist to Tuesday afternoon."};
        Instant start = Instant.parse("2023-06-01T10:00:00Z");
        for (int i = 0; i < turns.length; i++) {
            var r = record("tenant-a", "asof-packer", "ao-" + i, turns[i], 1);
            r.setObservedAt(start.plusSeconds(i));
            r.setValidFrom(start.plusSeconds(i));
            r.setSessionId("ferry-talk");
            send(r);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> count("{\"query\":{\"prefix\":{\"record_id\":\"ao-\"}}}") == 3);
        String ask = "{\"query\":\"when does the harbour ferry leave?\",\"user_id\":\"asof-packer\",\"budget_tokens\":1000%s}";
        String now = context(ask.formatted("")).path("context").asText();
        assertThat(now).as("today the turn after is a neighbour").contains("seven").contains("dentist");
        // between the answer and the turn after it: that turn had not been said yet
        String then = context(ask.formatted(",\"as_of\":\"2023-06-01T10:00:01.500Z\"")).path("context").asText();
        assertThat(then).contains("seven").doesNotContain("dentist");
    }

    static JsonNode context(String body) throws Exception {
        var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + query.port() + "/v1/context"))
                .header(ApiKeys.HEADER, KEY_A).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    @Test
    void contextPackStaysWithinItsBudgetAndBringsNeighbours() throws Exception {
        String[] turns = {"Ann: did you ever find a new flat?", "Yes! I signed for a place near the canal in Leeds.",
                "Ann: that's great news", "We should celebrate with dinner on Friday."};
        for (int i = 0; i < turns.length; i++) {
            var r = record("tenant-a", "packer", "pk-" + i, turns[i], 1);
            r.setObservedAt(Instant.parse("2023-05-08T13:56:0" + i + "Z"));
            r.setSessionId("flat-talk");
            send(r);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> count("{\"query\":{\"prefix\":{\"record_id\":\"pk-\"}}}") == 4);
        var http = HttpClient.newHttpClient();
        for (int budget : new int[] {5, 30, 60, 1000}) {
            var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + query.port() + "/v1/context"))
                    .header(ApiKeys.HEADER, KEY_A).POST(HttpRequest.BodyPublishers.ofString(
                            "{\"query\":\"where is the new flat?\",\"user_id\":\"packer\",\"budget_tokens\":" + budget + "}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode pack = JSON.readTree(response.body());
            assertThat(pack.path("tokens").asInt()).as("budget %d", budget).isLessThanOrEqualTo(budget);
            assertThat(pack.path("tokenizer").asText()).isEqualTo("cl100k_base");
            if (budget == 1000) {
                assertThat(pack.path("context").asText()).contains("Leeds").contains("did you ever find a new flat?")
                        .contains("[8 May 2023, flat-talk]");
            }
        }
        var bad = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + query.port() + "/v1/context"))
                .header(ApiKeys.HEADER, KEY_A).POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"x\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("field").asText()).isEqualTo("budget_tokens");
    }

    @Test
    void tenantNeverSeesAnotherTenantsMemories() throws Exception {
        send(record("tenant-b", "shared-name", "secret-b", "My bank PIN hint is the dog's birthday", 1));
        send(record("tenant-a", "shared-name", "visible-a", "My favourite dog breed is the corgi", 1));
        await().atMost(Duration.ofSeconds(30)).until(() -> count("{\"query\":{\"ids\":{\"values\":[\"secret-b\",\"visible-a\"]}}}") == 2);

        JsonNode hits = JSON.readTree(search(KEY_A, "{\"query\":\"dog birthday bank PIN\",\"user_id\":\"shared-name\"}").body()).path("hits");

        assertThat(hits).extracting(h -> h.path("record_id").asText()).containsExactly("visible-a");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing query | {"k":3}                          | query
            empty query   | {"query":"  "}                   | query
            wrong type    | {"query":["a"]}                  | query
            k too large   | {"query":"x","k":1000}           | k
            bad mode      | {"query":"x","mode":"psychic"}   | mode
            bad as_of     | {"query":"x","as_of":"soon"}     | as_of
            bad tier      | {"query":"x","tiers":["dreams"]} | tiers
            bad rerank    | {"query":"x","rerank":"yes"}     | rerank
            bad range     | {"query":"x","time_range":{"from":"May"}} | time_range.from
            reversed range | {"query":"x","time_range":{"from":"2024-01-01T00:00:00Z","to":"2023-01-01T00:00:00Z"}} | time_range
            bad metadata  | {"query":"x","metadata":{"channel":3}} | metadata
            """)
    void badSearchInputIsA400NamingTheField(String name, String body, String field) throws Exception {
        var response = search(KEY_A, body);
        assertThat(response.statusCode()).as(name).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("field").asText()).isEqualTo(field);
    }

    static HttpResponse<String> post(String path, String key, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + query.port() + path))
                .header("Content-Type", "application/json").header(ApiKeys.HEADER, key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(String path, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + query.port() + path))
                .header(ApiKeys.HEADER, key).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Every access event on memory.access from the start, read with a fresh consumer. */
    static List<MemoryAccess> accesses() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "access-reader-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        var topic = Topics.MEMORY_ACCESS;
        List<MemoryAccess> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, topic.keySerde().deserializer(),
                topic.valueSerde(dev.memlog.schemas.serde.AvroFormat.plain(new SchemaRegistryClient(registry.url(), TestCredentials.serviceAuthorization()))).deserializer())) {
            consumer.subscribe(List.of(topic.name()));
            long until = System.currentTimeMillis() + 3000;
            while (System.currentTimeMillis() < until) {
                consumer.poll(Duration.ofMillis(300)).forEach(r -> out.add(r.value()));
            }
        }
        return out;
    }

    @Test
    void whatASearchReturnsIsRecordedAsRetrievedAfterTheAnswerButNotForALookBackInTime() throws Exception {
        send(record("tenant-a", "access-user", "acc-1", "The boat is moored in Harbour Seven", 1));
        await().atMost(Duration.ofSeconds(30)).until(() -> count("{\"query\":{\"term\":{\"record_id\":\"acc-1\"}}}") == 1);

        JsonNode answer = JSON.readTree(search(KEY_A, "{\"query\":\"where is the boat moored?\",\"user_id\":\"access-user\"}").body());
        String requestId = answer.path("request_id").asText();
        assertThat(requestId).isNotBlank();
        search(KEY_A, "{\"query\":\"where was the boat?\",\"user_id\":\"access-user\",\"as_of\":\"2024-01-01T00:00:00Z\"}");
        search(KEY_A, "{\"query\":\"boat?\",\"user_id\":\"access-user\",\"reinforce\":false}");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(accesses().stream()
                .filter(a -> "access-user".equals(a.getUserId())).toList()).singleElement().satisfies(a -> {
                    assertThat(a.getKind()).isEqualTo(AccessKind.RETRIEVED);
                    assertThat(a.getRequestId()).isEqualTo(requestId);
                    assertThat(a.getQuery()).isEqualTo("where is the boat moored?");
                    assertThat(a.getMemories()).singleElement().satisfies(m -> {
                        assertThat(m.getRecordId()).isEqualTo("acc-1");
                        assertThat(m.getRank()).isEqualTo(1);
                    });
                }));
    }

    @Test
    void feedbackIsAppendedToTheAccessLogWithTheTimeTheAgentGives() throws Exception {
        var response = post("/v1/feedback", KEY_B, """
                {"user_id":"feedback-user","record_ids":["r-1","r-2","r-1"],"signal":"used","request_id":"req-9",
                 "timestamp":"2024-02-03T04:05:06Z"}""");
        assertThat(response.statusCode()).isEqualTo(202);
        String accessId = JSON.readTree(response.body()).path("access_id").asText();

        MemoryAccess appended = accesses().stream().filter(a -> a.getAccessId().equals(accessId)).findFirst().orElseThrow();
        assertThat(appended.getTenantId()).isEqualTo("tenant-b");
        assertThat(appended.getKind()).isEqualTo(AccessKind.USED);
        assertThat(appended.getRequestId()).isEqualTo("req-9");
        // the client's time is a time on the owner's timeline; the access itself happened when the platform received it
        assertThat(appended.getEventTime()).isEqualTo(Instant.parse("2024-02-03T04:05:06Z"));
        assertThat(appended.getOccurredAt()).isAfter(Instant.now().minusSeconds(60));
        assertThat(appended.getMemories()).extracting(m -> m.getRecordId()).containsExactly("r-1", "r-2");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no owner        | {"record_ids":["r"],"signal":"used"}                          | user_id
            no records      | {"user_id":"u","record_ids":[],"signal":"used"}               | record_ids
            bad record id   | {"user_id":"u","record_ids":[" "],"signal":"used"}            | record_ids
            unknown signal  | {"user_id":"u","record_ids":["r"],"signal":"loved"}           | signal
            bad timestamp   | {"user_id":"u","record_ids":["r"],"signal":"used","timestamp":"later"} | timestamp
            bad feedback id | {"user_id":"u","record_ids":["r"],"signal":"used","feedback_id":"a b"} | feedback_id
            future use      | {"user_id":"u","record_ids":["r"],"signal":"used","timestamp":"2099-01-01T00:00:00Z"} | timestamp
            ancient use     | {"user_id":"u","record_ids":["r"],"signal":"used","timestamp":"1969-01-01T00:00:00Z"} | timestamp
            """)
    void badFeedbackIsA400NamingTheField(String name, String body, String field) throws Exception {
        var response = post("/v1/feedback", KEY_A, body);
        assertThat(response.statusCode()).as(name).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("field").asText()).isEqualTo(field);
    }

    @Test
    void aForgottenVersionLeavesTheLiveIndexAndHistoryKeepsEveryVersionWithItsReason() throws Exception {
        var first = record("tenant-a", "history-user", "hist-1", "Parked on level 3, bay 12", 1);
        send(first);
        await().atMost(Duration.ofSeconds(30)).until(() -> count("{\"query\":{\"term\":{\"record_id\":\"hist-1\"}}}") == 1);
        send(MemoryRecord.newBuilder(first).setVersion(2).setChange(RecordChange.FORGOTTEN)
                .setChangeReason("strength fell below 0.05 on 1 Jan 2024").setForgottenAt(Instant.parse("2024-01-01T00:00:00Z"))
                .setEmbedding(List.of()).build());

        await().atMost(Duration.ofSeconds(30)).until(() -> count("{\"query\":{\"term\":{\"record_id\":\"hist-1\"}}}") == 0);
        JsonNode hits = JSON.readTree(search(KEY_A, "{\"query\":\"where did I park?\",\"user_id\":\"history-user\"}").body());
        assertThat(hits.path("hits")).isEmpty();

        await().atMost(Duration.ofSeconds(30)).until(() -> get("/v1/memories/hist-1/history", KEY_A).statusCode() == 200
                && JSON.readTree(get("/v1/memories/hist-1/history", KEY_A).body()).path("versions").size() == 2);
        JsonNode history = JSON.readTree(get("/v1/memories/hist-1/history", KEY_A).body());
        assertThat(history.path("live").asBoolean()).isFalse();
        assertThat(history.path("versions").findValuesAsText("change")).containsExactly("DERIVED", "FORGOTTEN");
        assertThat(history.path("versions").get(1).path("change_reason").asText()).startsWith("strength fell below");
        assertThat(history.path("versions").get(0).path("provenance").get(0).asText()).isEqualTo("event-hist-1");
        // another tenant cannot read it, and an unknown memory is a 404 naming the field
        assertThat(get("/v1/memories/hist-1/history", KEY_B).statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(get("/v1/memories/nope/history", KEY_A).body()).path("field").asText()).isEqualTo("record_id");
    }

    @Test
    void oneMemoryIsReadByIdAndTheListNarrowsBySessionAndObservedSpan() throws Exception {
        var early = MemoryRecord.newBuilder(record("tenant-a", "lister", "list-early", "Booked the dentist for June", 1))
                .setSessionId("s-june").setObservedAt(Instant.parse("2024-06-01T09:00:00Z")).build();
        var late = MemoryRecord.newBuilder(record("tenant-a", "lister", "list-late", "Moved the dentist to July", 1))
                .setSessionId("s-july").setObservedAt(Instant.parse("2024-07-01T09:00:00Z")).build();
        send(early);
        send(late);
        await().atMost(Duration.ofSeconds(30)).until(() -> count("{\"query\":{\"term\":{\"user_id\":\"lister\"}}}") == 2);

        JsonNode one = JSON.readTree(get("/v1/memories/list-late?user_id=lister", KEY_A).body());
        assertThat(one.path("record_id").asText()).isEqualTo("list-late");
        assertThat(one.path("text").asText()).isEqualTo("Moved the dentist to July");
        assertThat(one.path("observed_at").asText()).isEqualTo("2024-07-01T09:00:00Z");
        assertThat(one.path("live").asBoolean()).isTrue();
        assertThat(one.path("state").asText()).isEqualTo("live");
        // another owner, another tenant, or no such memory: the same 404 naming the field, nothing learned
        for (var probe : List.of(get("/v1/memories/list-late?user_id=someone-else", KEY_A),
                get("/v1/memories/list-late?user_id=lister", KEY_B), get("/v1/memories/nope?user_id=lister", KEY_A))) {
            assertThat(probe.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(probe.body()).path("field").asText()).isEqualTo("record_id");
        }
        assertThat(JSON.readTree(get("/v1/memories/a%5C.*%24?user_id=lister", KEY_A).body()).path("field").asText())
                .isEqualTo("record_id");

        assertThat(JSON.readTree(get("/v1/memories?user_id=lister&session_id=s-june", KEY_A).body())
                .path("memories").findValuesAsText("record_id")).containsExactly("list-early");
        assertThat(JSON.readTree(get("/v1/memories?user_id=lister&observed_after=2024-06-15T00:00:00Z", KEY_A).body())
                .path("memories").findValuesAsText("record_id")).containsExactly("list-late");
        assertThat(JSON.readTree(get("/v1/memories?user_id=lister&observed_before=2024-06-15T00:00:00Z", KEY_A).body())
                .path("memories").findValuesAsText("record_id")).containsExactly("list-early");
        for (String[] bad : new String[][] {{"session_id=a%5Cb%0A", "session_id"},
                {"observed_after=2024-07-01T00:00:00Z&observed_before=2024-06-01T00:00:00Z", "observed_before"},
                {"observed_after=yesterday%24", "observed_after"}}) {
            var response = get("/v1/memories?user_id=lister&" + bad[0], KEY_A);
            assertThat(response.statusCode()).as(bad[0]).isEqualTo(400);
            assertThat(JSON.readTree(response.body()).path("field").asText()).as(bad[0]).isEqualTo(bad[1]);
        }
    }

    @Test
    void searchWithoutAKeyIs401() throws Exception {
        assertThat(search(null, "{\"query\":\"x\"}").statusCode()).isEqualTo(401);
        assertThat(search("wrong", "{\"query\":\"x\"}").statusCode()).isEqualTo(401);
    }

    @Test
    void readinessAndLagMetricAreServed() throws Exception {
        var base = "http://127.0.0.1:" + query.port();
        await().atMost(Duration.ofSeconds(30)).until(() -> http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("memlog_materializer_lag_records").contains("memlog_materializer_records_indexed_total");
    }

    /** What the materializer sent to its dead-letter topic so far, as an operator reads it. */
    static List<dev.memlog.schemas.DeadLetterTopic.Letter> materializerDeadLetters() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<dev.memlog.schemas.DeadLetterTopic.Letter> letters = new java.util.ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.MATERIALIZER_DEAD_LETTERS.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(300)).forEach(r -> letters.add(dev.memlog.schemas.DeadLetterTopic.read(r)));
            }
        }
        return letters;
    }

    @Test
    void aRecordThatCannotBeReadOrThatTheIndexRefusesIsADeadLetterAndIndexingGoesOn() throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        String key = MemoryOwner.of("tenant-a", "poison-user", null).key();
        try (var raw = new KafkaProducer<>(props, new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(Topics.MEMORY_RECORDS.name(), key, "not avro".getBytes(java.nio.charset.StandardCharsets.UTF_8))).get();
            raw.send(new ProducerRecord<>(Topics.MEMORY_STRENGTH.name(), key, new byte[] {0, 0, 0, 0x7f, 0x70, 1})).get();
        }
        // a version the index cannot take: its vector has the wrong dimension
        send(record("tenant-a", "poison-user", "poison-dim", "A vector of the wrong size", 1, List.of(0.5f, 0.5f)));
        send(record("tenant-a", "poison-user", "poison-after", "I keep the spare key under the blue flowerpot", 1));

        await().atMost(Duration.ofSeconds(60)).until(() -> count("{\"query\":{\"term\":{\"record_id\":\"poison-after\"}}}") == 1);
        var letters = materializerDeadLetters();
        assertThat(letters).extracting(dev.memlog.schemas.DeadLetterTopic.Letter::stage)
                .contains("deserialization", "deserialization", "indexing");
        assertThat(letters).filteredOn(l -> "indexing".equals(l.stage())).singleElement().satisfies(l -> {
            assertThat(l.sourceTopic()).isEqualTo(Topics.MEMORY_RECORDS.name());
            assertThat(l.message()).contains("poison-dim").contains("400");
        });
        assertThat(letters).filteredOn(l -> "deserialization".equals(l.stage()))
                .extracting(dev.memlog.schemas.DeadLetterTopic.Letter::sourceTopic)
                .containsExactlyInAnyOrder(Topics.MEMORY_RECORDS.name(), Topics.MEMORY_STRENGTH.name());
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + query.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("memlog_dead_letters_total{service=\"query-service\",stage=\"indexing\"");
    }

    @Test
    void aKeyReadsOneOwnerAtATimeAndOnlyDoesWhatItsScopesSay() throws Exception {
        var acrossOwners = search(OWNER_KEY, "{\"query\":\"anything\"}");
        assertThat(acrossOwners.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(acrossOwners.body()).path("error").asText()).contains("one owner at a time");
        assertThat(search(OWNER_KEY, "{\"query\":\"anything\",\"user_id\":\"someone\"}").statusCode()).isEqualTo(200);

        var feedback = post("/v1/feedback", READ_ONLY_KEY, """
                {"user_id":"u","record_ids":["r"],"signal":"used"}""");
        assertThat(feedback.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(feedback.body()).path("error").asText()).contains("scope feedback");
    }
}
