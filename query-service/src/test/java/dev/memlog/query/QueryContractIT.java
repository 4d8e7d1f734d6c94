package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.embedding.Vectors;
import dev.memlog.common.http.Json;
import dev.memlog.common.http.OpenApiContract;
import dev.memlog.common.http.ServiceServer;
import dev.memlog.registry.Compatibility;
import dev.memlog.registry.SchemaRegistryServer;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import dev.memlog.testkit.KafkaBroker;
import dev.memlog.testkit.OpenSearchNode;
import dev.memlog.testkit.TestCredentials;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * query-service against its OpenAPI document, on a real broker, registry and OpenSearch node with memories
 * materialized from the log: every route it serves is documented with the scopes it requires and nothing else is,
 * every documented operation is answered by its route, and real answers (search, context, a page of memories and the
 * next, history, lineage, feedback, and the refusals) are what the document says.
 */
class QueryContractIT {
    static final String SPEC = "/openapi/query.yaml";
    static final String OWNER_KEY = "contract-owner-key-0123456789";
    static final String ERASER_KEY = "contract-eraser-key-0123456789";
    static final String ANALYST_KEY = "contract-analyst-key-0123456789";
    static final String SERVICE = "service";
    static final OpenApiContract CONTRACT = OpenApiContract.load(SPEC);
    static final String FIRST = "rec-contract-1";
    static final String SECOND = "rec-contract-2";

    @TempDir
    static Path dir;
    static KafkaBroker kafka;
    static OpenSearchNode openSearch;
    static SchemaRegistryServer registry;
    static QueryService query;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start(dir.resolve("kafka"));
        openSearch = OpenSearchNode.start(dir.resolve("opensearch"));
        registry = new SchemaRegistryServer(new SchemaRegistryServer.Config(kafka.bootstrapServers(), "127.0.0.1", 0,
                "_schemas", Compatibility.BACKWARD, new ServiceToken(TestCredentials.SERVICE_TOKEN)));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Topics.ensureCreated(admin, dev.memlog.schemas.TopicSettings.singleBroker(3));
        }
        EmbeddingProvider model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
        query = new QueryService(QueryService.Config.local(kafka.bootstrapServers(), registry.url(), openSearch.url(),
                "memlog-contract", "materializer-contract", model.modelId(), ApiKeys.load(OWNER_KEY + "=tenant-a,"
                        + ERASER_KEY + "=tenant-a;scopes=erase," + ANALYST_KEY + "=tenant-a;scopes=admin+read;reads=tenant", null),
                new ServiceToken(TestCredentials.SERVICE_TOKEN), 0, dev.memlog.schemas.sealing.Encryption.off()), model);
        base = "http://127.0.0.1:" + query.port();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        var topic = Topics.MEMORY_RECORDS;
        try (var producer = new KafkaProducer<>(props, topic.keySerde().serializer(),
                topic.valueSerde(dev.memlog.schemas.serde.AvroFormat.plain(new SchemaRegistryClient(registry.url(),
                        TestCredentials.serviceAuthorization()))).serializer())) {
            for (var r : List.of(record(model, FIRST, "I play the cello on Sundays", "2023-05-08T13:56:00Z"),
                    record(model, SECOND, "My sister Ana lives in Porto", "2023-05-09T09:00:00Z"))) {
                producer.send(new ProducerRecord<>(topic.name(), MemoryOwner.of(r.getTenantId(), r.getUserId(), null).key(), r)).get();
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> Json.mapper().readTree(send("GET", "/v1/memories?user_id=ann",
                OWNER_KEY, null).body()).path("total").asLong() == 2);
    }

    static MemoryRecord record(EmbeddingProvider model, String id, String text, String at) {
        Instant when = Instant.parse(at);
        return MemoryRecord.newBuilder().setRecordId(id).setTenantId("tenant-a").setUserId("ann").setSessionId("s1")
                .setTier(MemoryTier.EPISODIC).setRole("user").setText(text)
                .setEmbedding(Vectors.toList(model.embedDocuments(List.of(text)).getFirst()))
                .setEmbeddingModel(model.modelId()).setImportance(0.5).setObservedAt(when).setCreatedAt(when)
                .setValidFrom(when).setProvenance(List.of("event-" + id)).setVersion(1).build();
    }

    @AfterAll
    static void stop() {
        query.close();
        registry.close();
        openSearch.close();
        kafka.close();
    }

    /** A request on a connection of its own: one the server refused before reading its body is not one to reuse. */
    static HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
        Map<String, String> credential = key == null ? Map.of() : SERVICE.equals(key)
                ? Map.of("Authorization", "Bearer " + TestCredentials.SERVICE_TOKEN) : Map.of(ApiKeys.HEADER, key);
        return OpenApiContract.send(base + path, method, credential, body);
    }

    @Test
    void everyRouteIsDocumentedWithItsScopesAndEveryDocumentedOperationIsServed() {
        List<ServiceServer.Route> routes = query.routes();
        List<String> differences = CONTRACT.differences(routes);
        assertThat(differences).isEmpty();
    }

    @Test
    void everyDocumentedOperationIsAnsweredByItsRouteAsDocumented() throws Exception {
        List<String> problems = CONTRACT.answerEveryOperation(HttpClient.newHttpClient(), base);
        assertThat(problems).isEmpty();
    }

    @Test
    void theDocumentServedIsTheOneTested() throws Exception {
        assertThat(Json.mapper().readTree(send("GET", "/openapi.json", null, null).body())).isEqualTo(CONTRACT.document());
    }

    @Test
    void aPageOfMemoriesAndTheNextConformAndTheCursorLeadsOn() throws Exception {
        var first = send("GET", "/v1/memories?user_id=ann&limit=1", OWNER_KEY, null);
        assertThat(CONTRACT.violations("GET", "/v1/memories", first)).isEmpty();
        JsonNode page = Json.mapper().readTree(first.body());
        assertThat(page.path("memories").get(0).path("record_id").asText()).isEqualTo(SECOND);
        assertThat(page.path("next_cursor").isTextual()).isTrue();
        var second = send("GET", "/v1/memories?user_id=ann&limit=1&cursor="
                + URLEncoder.encode(page.path("next_cursor").asText(), StandardCharsets.UTF_8), OWNER_KEY, null);
        assertThat(CONTRACT.violations("GET", "/v1/memories", second)).isEmpty();
        assertThat(Json.mapper().readTree(second.body()).path("memories").get(0).path("record_id").asText()).isEqualTo(FIRST);
        var last = send("GET", "/v1/memories?user_id=ann&limit=5", OWNER_KEY, null);
        assertThat(CONTRACT.violations("GET", "/v1/memories", last)).isEmpty();
        assertThat(Json.mapper().readTree(last.body()).path("next_cursor").isNull()).isTrue();
    }

    /** One real request, the operation it is documented under, and the status it must get. */
    record Sample(String name, String method, String operation, String path, String key, String body, int status) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Sample> samples() {
        String hugeCursor = Base64.getUrlEncoder().withoutPadding().encodeToString(
                "[99999999999999999999999999,\"rec-1\"]".getBytes(StandardCharsets.UTF_8));
        return Stream.of(
                new Sample("a search", "POST", "/v1/search", "/v1/search", OWNER_KEY,
                        "{\"query\":\"which instrument do I play?\",\"user_id\":\"ann\",\"k\":5,\"explain\":true}", 200),
                new Sample("a BM25 search", "POST", "/v1/search", "/v1/search", OWNER_KEY,
                        "{\"query\":\"cello\",\"user_id\":\"ann\",\"mode\":\"bm25\",\"reinforce\":false}", 200),
                new Sample("a vector search as of a moment", "POST", "/v1/search", "/v1/search", OWNER_KEY,
                        "{\"query\":\"sister\",\"user_id\":\"ann\",\"mode\":\"vector\",\"as_of\":\"2023-06-01T00:00:00Z\"}", 200),
                new Sample("a context pack", "POST", "/v1/context", "/v1/context", OWNER_KEY,
                        "{\"query\":\"what do I do on Sundays?\",\"user_id\":\"ann\",\"budget_tokens\":500}", 200),
                new Sample("counts", "GET", "/v1/stats", "/v1/stats?user_id=ann", OWNER_KEY, null, 200),
                new Sample("memories as of a moment", "GET", "/v1/memories", "/v1/memories?user_id=ann&as_of=2023-05-08T20:00:00Z&tier=episodic",
                        OWNER_KEY, null, 200),
                new Sample("one memory", "GET", "/v1/memories/{record_id}", "/v1/memories/" + FIRST + "?user_id=ann", OWNER_KEY, null, 200),
                new Sample("a memory's history", "GET", "/v1/memories/{record_id}/history", "/v1/memories/" + FIRST
                        + "/history?user_id=ann", OWNER_KEY, null, 200),
                new Sample("a memory's lineage", "GET", "/v1/memories/{record_id}/lineage", "/v1/memories/" + FIRST
                        + "/lineage?user_id=ann", OWNER_KEY, null, 200),
                new Sample("feedback", "POST", "/v1/feedback", "/v1/feedback", OWNER_KEY,
                        "{\"user_id\":\"ann\",\"record_ids\":[\"" + FIRST + "\"],\"signal\":\"used\",\"feedback_id\":\"fb-1\"}", 202),
                new Sample("working memory without consolidation", "GET", "/v1/working-memory",
                        "/v1/working-memory?user_id=ann&session_id=s1", OWNER_KEY, null, 503),
                new Sample("the explorer", "GET", "/explorer", "/explorer", null, null, 302),
                new Sample("the explorer's page", "GET", "/explorer/{asset}", "/explorer/index.html", null, null, 200),
                new Sample("readiness", "GET", "/health/ready", "/health/ready", null, null, 200),
                new Sample("Swagger UI", "GET", "/docs", "/docs", null, null, 200),
                // refusals
                new Sample("a search without a credential", "POST", "/v1/search", "/v1/search", null, "{\"query\":\"x\"}", 401),
                new Sample("a search with an unknown key", "POST", "/v1/search", "/v1/search", "nobody-issued-this-key-0123",
                        "{\"query\":\"x\",\"user_id\":\"ann\"}", 401),
                new Sample("a search naming no owner with an owner's key", "POST", "/v1/search", "/v1/search", OWNER_KEY,
                        "{\"query\":\"cello\"}", 403),
                new Sample("an empty query", "POST", "/v1/search", "/v1/search", OWNER_KEY, "{\"query\":\" \",\"user_id\":\"ann\"}", 400),
                new Sample("k out of range", "POST", "/v1/search", "/v1/search", OWNER_KEY, "{\"query\":\"x\",\"user_id\":\"ann\",\"k\":0}", 400),
                new Sample("a search of the wrong types", "POST", "/v1/search", "/v1/search", OWNER_KEY,
                        "{\"query\":\"x\",\"user_id\":\"ann\",\"tiers\":[{}],\"time_range\":{\"from\":5},\"metadata\":[]}", 400),
                new Sample("malformed JSON", "POST", "/v1/search", "/v1/search", OWNER_KEY, "{\"query\":", 400),
                new Sample("a pack without a budget", "POST", "/v1/context", "/v1/context", OWNER_KEY,
                        "{\"query\":\"x\",\"user_id\":\"ann\"}", 400),
                new Sample("a page naming no owner", "GET", "/v1/memories", "/v1/memories", OWNER_KEY, null, 400),
                new Sample("a page limit out of range", "GET", "/v1/memories", "/v1/memories?user_id=ann&limit=0", OWNER_KEY, null, 400),
                new Sample("a cursor that is not one", "GET", "/v1/memories", "/v1/memories?user_id=ann&cursor=bm90IGEgY3Vyc29y",
                        OWNER_KEY, null, 400),
                new Sample("a cursor out of range", "GET", "/v1/memories", "/v1/memories?user_id=ann&cursor=" + hugeCursor,
                        OWNER_KEY, null, 400),
                new Sample("a malformed as_of", "GET", "/v1/memories", "/v1/memories?user_id=ann&as_of=yesterday", OWNER_KEY, null, 400),
                new Sample("one memory that is not there", "GET", "/v1/memories/{record_id}", "/v1/memories/rec-nope?user_id=ann",
                        OWNER_KEY, null, 404),
                new Sample("one memory of another owner", "GET", "/v1/memories/{record_id}", "/v1/memories/" + FIRST + "?user_id=bob",
                        OWNER_KEY, null, 404),
                new Sample("one memory by a malformed id", "GET", "/v1/memories/{record_id}", "/v1/memories/not%20an%20id?user_id=ann",
                        OWNER_KEY, null, 400),
                new Sample("the history of a malformed id", "GET", "/v1/memories/{record_id}/history",
                        "/v1/memories/not%20an%20id/history?user_id=ann", OWNER_KEY, null, 400),
                new Sample("the history of no memory", "GET", "/v1/memories/{record_id}/history", "/v1/memories/rec-nope/history?user_id=ann",
                        OWNER_KEY, null, 404),
                new Sample("the lineage of no memory", "GET", "/v1/memories/{record_id}/lineage", "/v1/memories/rec-nope/lineage?user_id=ann",
                        OWNER_KEY, null, 404),
                new Sample("feedback with an unknown signal", "POST", "/v1/feedback", "/v1/feedback", OWNER_KEY,
                        "{\"user_id\":\"ann\",\"record_ids\":[\"" + FIRST + "\"],\"signal\":\"liked\"}", 400),
                new Sample("feedback by a key without the scope", "POST", "/v1/feedback", "/v1/feedback", ERASER_KEY,
                        "{\"user_id\":\"ann\",\"record_ids\":[\"" + FIRST + "\"],\"signal\":\"used\"}", 403),
                new Sample("working memory without a session", "GET", "/v1/working-memory", "/v1/working-memory?user_id=ann",
                        OWNER_KEY, null, 400),
                new Sample("a receipt not there (yet)", "GET", "/v1/erasure/{erasure_id}", "/v1/erasure/e-1", ERASER_KEY, null, 404),
                new Sample("a receipt by a malformed id", "GET", "/v1/erasure/{erasure_id}", "/v1/erasure/e.1", ERASER_KEY, null, 400),
                new Sample("no rebuild yet", "GET", "/v1/admin/rebuild", "/v1/admin/rebuild", SERVICE, null, 404),
                new Sample("no rebuild to cancel", "DELETE", "/v1/admin/rebuild", "/v1/admin/rebuild", SERVICE, null, 404),
                new Sample("a rebuild with an unknown field", "POST", "/v1/admin/rebuild", "/v1/admin/rebuild", SERVICE,
                        "{\"generation\":\"next\"}", 400),
                new Sample("a rebuild by an analyst", "POST", "/v1/admin/rebuild", "/v1/admin/rebuild", ANALYST_KEY, null, 403),
                new Sample("a replay naming both owners", "POST", "/v1/admin/replay", "/v1/admin/replay", ANALYST_KEY,
                        "{\"user_id\":\"ann\",\"agent_id\":\"bot\"}", 400),
                new Sample("a replay with an unknown rule", "POST", "/v1/admin/replay", "/v1/admin/replay", ANALYST_KEY,
                        "{\"user_id\":\"ann\",\"rules\":{\"NOT_A_RULE\":\"x\"}}", 400),
                new Sample("a replay by an owner's key", "POST", "/v1/admin/replay", "/v1/admin/replay", OWNER_KEY,
                        "{\"user_id\":\"ann\"}", 403),
                new Sample("a replay not there", "GET", "/v1/admin/replay/{replay_id}", "/v1/admin/replay/nope", ANALYST_KEY, null, 404),
                new Sample("a replay not there to tear down", "DELETE", "/v1/admin/replay/{replay_id}", "/v1/admin/replay/nope",
                        ANALYST_KEY, null, 404),
                new Sample("an explorer file not there", "GET", "/explorer/{asset}", "/explorer/secrets.txt", null, null, 404));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void aRealAnswerIsWhatTheDocumentSays(Sample sample) throws Exception {
        var response = send(sample.method(), sample.path(), sample.key(), sample.body());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(sample.status());
        assertThat(CONTRACT.violations(sample.method(), sample.operation(), response)).isEmpty();
        if (sample.status() == 200 && sample.operation().equals("/v1/search")) {
            assertThat(Json.mapper().readTree(response.body()).path("hits")).as("a search that finds something").isNotEmpty();
        }
    }
}
