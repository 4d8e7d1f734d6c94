package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.registry.Compatibility;
import dev.memlog.registry.SchemaRegistryServer;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import dev.memlog.testkit.InProcessKafkaBroker;
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
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static InProcessKafkaBroker kafka;
    static OpenSearchNode openSearch;
    static SchemaRegistryServer registry;
    static QueryService query;
    static EmbeddingProvider model;
    static KafkaProducer<String, MemoryRecord> producer;
    static OpenSearchRest os;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        kafka = InProcessKafkaBroker.start(dir.resolve("kafka"), 0);
        openSearch = OpenSearchNode.start(dir.resolve("opensearch"));
        registry = new SchemaRegistryServer(new SchemaRegistryServer.Config(kafka.bootstrapServers(), "127.0.0.1", 0,
                "_schemas", Compatibility.BACKWARD));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Topics.ensureCreated(admin, 3, (short) 1);
        }
        model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
        query = new QueryService(new QueryService.Config("127.0.0.1", 0, kafka.bootstrapServers(), registry.url(),
                openSearch.url(), "memlog-test", 1, 0, 0.5, "materializer-test", model.modelId(),
                ApiKeys.of(Map.of("key-a", "tenant-a", "key-b", "tenant-b"))), model);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        var topic = Topics.MEMORY_RECORDS;
        producer = new KafkaProducer<>(props, topic.keySerde().serializer(),
                topic.valueSerde(new SchemaRegistryClient(registry.url())).serializer());
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
        List<Float> vector = new ArrayList<>();
        for (float f : model.embedDocuments(List.of(text)).getFirst()) {
            vector.add(f);
        }
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
        os.call("POST", "/memlog-test/_refresh", null);
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
        await().atMost(Duration.ofSeconds(30)).until(() -> query.materializerLag() == 0);
        os.call("POST", "/memlog-test/_refresh", null);
        JsonNode doc = os.call("GET", "/memlog-test/_doc/rec-idem", null);
        assertThat(doc.path("_source").path("text").asText()).isEqualTo("I play the cello on Saturdays now");
        assertThat(doc.path("_source").path("provenance").get(0).asText()).isEqualTo("event-rec-idem");
        assertThat(count("{\"query\":{\"term\":{\"record_id\":\"rec-idem\"}}}")).isEqualTo(1);
    }

    @Test
    void smallTenantGetsAllItsHitsAmongManyOtherDocuments() throws Exception {
        for (int i = 0; i < 300; i++) {
            send(record("tenant-b", "crowd", "crowd-" + i, "I went hiking in the mountains on trip number " + i, 1));
        }
        for (int i = 0; i < 5; i++) {
            send(record("tenant-a", "small", "small-" + i, "I went hiking in the hills, outing " + i, 1));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> count("{\"query\":{\"prefix\":{\"record_id\":\"small-\"}}}") == 5
                && count("{\"query\":{\"prefix\":{\"record_id\":\"crowd-\"}}}") == 300);

        var response = search("key-a", "{\"query\":\"hiking trip in the mountains\",\"user_id\":\"small\",\"k\":10}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode hits = JSON.readTree(response.body()).path("hits");
        assertThat(hits).hasSize(5);
        hits.forEach(h -> {
            assertThat(h.path("record_id").asText()).startsWith("small-");
            // the normalization pipeline ran: fused scores are min-max normalised means, never raw or negative
            assertThat(h.path("score").asDouble()).isBetween(0.0, 1.0);
        });
        assertThat(hits.get(0).path("score").asDouble()).isGreaterThan(0.5);
    }

    @Test
    void tenantNeverSeesAnotherTenantsMemories() throws Exception {
        send(record("tenant-b", "shared-name", "secret-b", "My bank PIN hint is the dog's birthday", 1));
        send(record("tenant-a", "shared-name", "visible-a", "My favourite dog breed is the corgi", 1));
        await().atMost(Duration.ofSeconds(30)).until(() -> count("{\"query\":{\"ids\":{\"values\":[\"secret-b\",\"visible-a\"]}}}") == 2);

        JsonNode hits = JSON.readTree(search("key-a", "{\"query\":\"dog birthday bank PIN\",\"user_id\":\"shared-name\"}").body()).path("hits");

        assertThat(hits).extracting(h -> h.path("record_id").asText()).containsExactly("visible-a");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing query | {"k":3}                          | query
            empty query   | {"query":"  "}                   | query
            wrong type    | {"query":["a"]}                  | query
            k too large   | {"query":"x","k":1000}           | k
            bad tier      | {"query":"x","tiers":["dreams"]} | tiers
            """)
    void badSearchInputIsA400NamingTheField(String name, String body, String field) throws Exception {
        var response = search("key-a", body);
        assertThat(response.statusCode()).as(name).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("field").asText()).isEqualTo(field);
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
}
