package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.common.config.Env;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.embedding.Vectors;
import dev.memlog.common.http.Json;
import dev.memlog.common.memory.StrengthModel;
import dev.memlog.registry.Compatibility;
import dev.memlog.registry.SchemaRegistryServer;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.TopicSettings;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.avro.RecordChange;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.schemas.sealing.Encryption;
import dev.memlog.testkit.KafkaBroker;
import dev.memlog.testkit.OpenSearchNode;
import dev.memlog.testkit.TestCredentials;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code as_of} answers what was known at that moment (versions in effect then, with the uses and provenance of
 * then), and the live index is rebuilt into a new generation from the log while queries go on.
 */
class TimeTravelIT {
    static final String KEY = "time-travel-key-0123456789ab";
    static final String ALIAS = "memlog-tt";
    @TempDir
    static Path dir;
    static KafkaBroker kafka;
    static OpenSearchNode openSearch;
    static SchemaRegistryServer registry;
    static QueryService query;
    static EmbeddingProvider model;
    static KafkaProducer<byte[], byte[]> producer;
    static AvroFormat format;
    static OpenSearchRest os;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start(dir.resolve("kafka"));
        openSearch = OpenSearchNode.start(dir.resolve("opensearch"));
        registry = new SchemaRegistryServer(new SchemaRegistryServer.Config(kafka.bootstrapServers(), "127.0.0.1", 0,
                "_schemas", Compatibility.BACKWARD, new ServiceToken(TestCredentials.SERVICE_TOKEN)));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Topics.ensureCreated(admin, TopicSettings.singleBroker(3));
        }
        model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
        query = new QueryService(QueryService.Config.local(kafka.bootstrapServers(), registry.url(), openSearch.url(),
                ALIAS, "materializer-tt", model.modelId(), ApiKeys.load(KEY + "=tenant-t", null),
                new ServiceToken(TestCredentials.SERVICE_TOKEN), 0, Encryption.off()), model);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        format = AvroFormat.plain(new SchemaRegistryClient(registry.url(), TestCredentials.serviceAuthorization()));
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

    static MemoryRecord fact(String user, String id, String text, Instant observed) {
        return MemoryRecord.newBuilder().setRecordId(id).setTenantId("tenant-t").setUserId(user).setSessionId("s1")
                .setTier(MemoryTier.SEMANTIC).setRole("user").setText(text)
                .setEmbedding(Vectors.toList(model.embedDocuments(List.of(text)).getFirst()))
                .setEmbeddingModel(model.modelId()).setImportance(0.5).setObservedAt(observed).setCreatedAt(observed)
                .setValidFrom(observed).setProvenance(List.of("event-" + id)).setVersion(1).build();
    }

    static void send(SpecificRecord value) throws Exception {
        boolean strength = value instanceof MemoryStrength;
        String key = value instanceof MemoryRecord r ? MemoryOwner.of(r.getTenantId(), r.getUserId(), r.getAgentId()).key()
                : MemoryOwner.of(((MemoryStrength) value).getTenantId(), ((MemoryStrength) value).getUserId(),
                ((MemoryStrength) value).getAgentId()).key();
        byte[] bytes = strength ? Topics.MEMORY_STRENGTH.valueSerde(format).serialize((MemoryStrength) value)
                : Topics.MEMORY_RECORDS.valueSerde(format).serialize((MemoryRecord) value);
        producer.send(new ProducerRecord<>(strength ? Topics.MEMORY_STRENGTH.name() : Topics.MEMORY_RECORDS.name(),
                key.getBytes(java.nio.charset.StandardCharsets.UTF_8), bytes)).get();
    }

    static JsonNode search(String user, String question, String asOf) throws Exception {
        var body = Json.mapper().createObjectNode().put("query", question).put("user_id", user).put("k", 5);
        if (asOf != null) {
            body.put("as_of", asOf);
        }
        var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + query.port() + "/v1/search"))
                .header(ApiKeys.HEADER, KEY).POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.mapper().readTree(response.body()).path("hits");
    }

    static List<String> texts(JsonNode hits) {
        return hits.findValuesAsText("text");
    }

    /** Waits until the as-of index holds {@code versions} versions of the memory. */
    static void awaitVersions(String recordId, int versions) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            os.call("POST", "/" + ALIAS + "-history/_refresh", null);
            return os.call("POST", "/" + ALIAS + "-history/_count",
                    "{\"query\":{\"term\":{\"record_id\":\"" + recordId + "\"}}}").path("count").asLong() == versions;
        });
        // every index took the batch that brought the last version: make all of it searchable now
        os.call("POST", "/" + ALIAS + "*/_refresh", null);
    }

    @Test
    void asOfBeforeAndAfterASupersessionReturnsTheOldAndTheNewFact() throws Exception {
        var leeds = fact("ann", "tt-home-leeds", "Ann lives in Leeds", Instant.parse("2023-01-10T09:00:00Z"));
        var york = fact("ann", "tt-home-york", "Ann lives in York", Instant.parse("2023-06-01T09:00:00Z"));
        send(leeds);
        send(york);
        send(MemoryRecord.newBuilder(leeds).setVersion(2).setChange(RecordChange.SUPERSEDED)
                .setValidTo(york.getObservedAt()).setChangeReason("superseded by tt-home-york").build());
        awaitVersions("tt-home-leeds", 2);

        assertThat(texts(search("ann", "where does Ann live?", "2023-03-01T00:00:00Z")))
                .contains("Ann lives in Leeds").doesNotContain("Ann lives in York");
        assertThat(texts(search("ann", "where does Ann live?", "2023-07-01T00:00:00Z")))
                .contains("Ann lives in York").doesNotContain("Ann lives in Leeds");
        assertThat(texts(search("ann", "where does Ann live?", "2022-12-01T00:00:00Z"))).as("before either was said").isEmpty();
        assertThat(texts(search("ann", "where does Ann live?", null))).contains("Ann lives in York").doesNotContain("Ann lives in Leeds");
    }

    @Test
    void aMemoryForgottenOrDeletedAfterAMomentIsReturnedAsOfItAndNotAfter() throws Exception {
        var parked = fact("bo", "tt-parked", "Bo parked on level 3, bay 12", Instant.parse("2023-05-08T13:56:00Z"));
        var locker = fact("bo", "tt-locker", "Bo keeps the spare key in locker 7", Instant.parse("2023-05-09T08:00:00Z"));
        send(parked);
        send(locker);
        send(MemoryRecord.newBuilder(parked).setVersion(2).setChange(RecordChange.FORGOTTEN).setEmbedding(List.of())
                .setChangeReason("strength fell below 0.05").setForgottenAt(Instant.parse("2024-01-01T00:00:00Z")).build());
        send(MemoryRecord.newBuilder(locker).setVersion(2).setChange(RecordChange.DELETED).setEmbedding(List.of())
                .setChangeReason("deleted by ops").setDeletedAt(Instant.parse("2024-03-01T00:00:00Z")).setDeletedBy("ops").build());
        awaitVersions("tt-parked", 2);
        awaitVersions("tt-locker", 2);

        assertThat(texts(search("bo", "where did Bo park? where is the spare key?", null))).as("now").isEmpty();
        assertThat(texts(search("bo", "where did Bo park? where is the spare key?", "2023-10-01T00:00:00Z")))
                .as("before it was forgotten and deleted")
                .contains("Bo parked on level 3, bay 12", "Bo keeps the spare key in locker 7");
        assertThat(texts(search("bo", "where did Bo park? where is the spare key?", "2024-02-01T00:00:00Z")))
                .as("forgotten, not yet deleted").containsExactly("Bo keeps the spare key in locker 7");
        assertThat(texts(search("bo", "where did Bo park? where is the spare key?", "2024-06-01T00:00:00Z"))).isEmpty();
    }

    @Test
    void aHitAsOfAMomentCarriesTheProvenanceAndImportanceOfThen() throws Exception {
        var tea = fact("cy", "tt-tea", "Cy drinks green tea every morning", Instant.parse("2023-02-01T08:00:00Z"));
        send(tea);
        send(MemoryRecord.newBuilder(tea).setVersion(2).setChange(RecordChange.REINFORCED).setImportance(0.9)
                .setObservedAt(Instant.parse("2023-08-01T08:00:00Z")).setProvenance(List.of("event-tt-tea", "event-tt-tea-again"))
                .setChangeReason("restated in event event-tt-tea-again").build());
        awaitVersions("tt-tea", 2);

        JsonNode then = search("cy", "what does Cy drink?", "2023-05-01T00:00:00Z").path(0);
        assertThat(then.path("record_id").asText()).isEqualTo("tt-tea");
        assertThat(List.of(Json.mapper().convertValue(then.path("event_ids"), String[].class))).containsExactly("event-tt-tea");
        assertThat(then.path("importance").asDouble()).isEqualTo(0.5);
        JsonNode now = search("cy", "what does Cy drink?", null).path(0);
        assertThat(List.of(Json.mapper().convertValue(now.path("event_ids"), String[].class)))
                .containsExactly("event-tt-tea", "event-tt-tea-again");
        assertThat(search("cy", "what does Cy drink?", "2023-09-01T00:00:00Z")).as("one version of a memory at a time").hasSize(1);
    }

    static MemoryStrength strength(String id, String user, Instant born, List<Instant> uses, Instant forgottenAt, int version) {
        return MemoryStrength.newBuilder().setRecordId(id).setTenantId("tenant-t").setUserId(user).setImportance(0.5)
                .setPinned(false).setBornAt(born).setUses(uses).setUseCount(uses.size()).setVersion(version)
                .setForgottenAt(forgottenAt).setUpdatedAt(uses.isEmpty() ? born : uses.getLast()).build();
    }

    @Test
    void strengthAsOfAMomentCountsOnlyTheUsesBeforeItAndTheLifeThatHeldIt() throws Exception {
        Instant born = Instant.parse("2023-01-01T00:00:00Z");
        var bike = fact("dee", "tt-bike", "Dee keeps her bicycle in the garden shed", born);
        send(bike);
        List<Instant> firstLife = List.of(Instant.parse("2023-01-20T00:00:00Z"), Instant.parse("2023-02-10T00:00:00Z"),
                Instant.parse("2023-03-01T00:00:00Z"));
        Instant forgotten = Instant.parse("2023-09-01T00:00:00Z");
        send(strength("tt-bike", "dee", born, firstLife, null, 1));
        send(MemoryRecord.newBuilder(bike).setVersion(2).setChange(RecordChange.FORGOTTEN).setEmbedding(List.of())
                .setChangeReason("strength fell below 0.05").setForgottenAt(forgotten).build());
        send(strength("tt-bike", "dee", born, firstLife, forgotten, 2));
        // restated in 2024: a new life with no uses yet
        Instant restated = Instant.parse("2024-02-01T00:00:00Z");
        send(MemoryRecord.newBuilder(bike).setVersion(3).setChange(RecordChange.REVIVED).setObservedAt(restated)
                .setChangeReason("restated after it was forgotten").build());
        send(strength("tt-bike", "dee", born, List.of(), null, 3));
        awaitVersions("tt-bike", 3);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            os.call("POST", "/" + ALIAS + "-strength/_refresh", null);
            os.call("POST", "/" + ALIAS + "-strength-lives/_refresh", null);
            return os.call("GET", "/" + ALIAS + "-strength/_doc/tt-bike", null).path("_source").path("version").asInt() == 3
                    && os.call("POST", "/" + ALIAS + "-strength-lives/_count", null).path("count").asLong() == 1;
        });

        var weighted = new HybridRetriever(os, query.index(), model,
                QueryService.Config.tuning(new Env(Map.of("STRENGTH_WEIGHT", "0.3"))), new LifecycleIndexes(os, query.index().generations()),
                StrengthModel.defaults());
        Instant feb15 = Instant.parse("2023-02-15T00:00:00Z");
        var request = SearchRequest.parse(Json.mapper().readTree(
                "{\"query\":\"where is the bicycle?\",\"user_id\":\"dee\",\"as_of\":\"" + feb15 + "\"}"));
        var hit = weighted.search("tenant-t", request).getFirst();
        assertThat(hit.recordId()).isEqualTo("tt-bike");
        StrengthModel m = StrengthModel.defaults();
        double twoUses = m.reinforcement(new StrengthModel.Uses(born, firstLife.subList(0, 2), 2, 0.5, false, 0), feb15);
        double allThree = m.reinforcement(new StrengthModel.Uses(born, firstLife, 3, 0.5, false, 0), feb15);
        assertThat(hit.explanation().strength()).as("the two uses before the moment, from the life forgotten since")
                .isCloseTo(0.3 * twoUses, org.assertj.core.api.Assertions.within(1e-6))
                .isLessThan(0.3 * allThree);
        // after the restatement, the new life: no use yet
        var later = weighted.search("tenant-t", request.withAsOf(Instant.parse("2024-03-01T00:00:00Z"))).getFirst();
        assertThat(later.recordId()).isEqualTo("tt-bike");
        assertThat(later.explanation().strength()).isZero();
    }

    static HttpResponse<String> call(String method, String path, String authorization, String body) throws Exception {
        return call(query, method, path, authorization, body);
    }

    @Test
    void aRebuildIntoANewGenerationUnderConcurrentQueriesFailsNoneAndEmbedsNothingAgain() throws Exception {
        String[] things = {"umbrella", "bicycle", "passport", "guitar", "kettle", "lantern", "notebook", "scarf", "compass", "teapot"};
        Instant at = Instant.parse("2023-04-01T09:00:00Z");
        for (int i = 0; i < 200; i++) {
            send(fact("rb", "tt-rb-" + i, "Eve left the " + things[i % things.length] + " in room " + i, at.plusSeconds(i)));
        }
        String query = "{\"query\":{\"term\":{\"user_id\":\"rb\"}}}";
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            os.call("POST", "/" + ALIAS + "/_refresh", null);
            return os.call("POST", "/" + ALIAS + "/_count", query).path("count").asLong() == 200;
        });
        String before = os.call("GET", "/_alias/" + ALIAS, null).fieldNames().next();
        List<Float> vectorBefore = embeddingOf(before, "tt-rb-7");

        var searchers = new Searchers(3, TimeTravelIT.query.port(), "Bearer " + KEY,
                "{\"query\":\"where is the passport?\",\"user_id\":\"rb\",\"k\":5,\"reinforce\":false}");
        String service = "Bearer " + TestCredentials.SERVICE_TOKEN;
        try {
            assertThat(call("POST", "/v1/admin/rebuild", "Bearer " + KEY, null).statusCode()).as("a tenant's key").isEqualTo(403);
            var started = call("POST", "/v1/admin/rebuild", service, null);
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            send(fact("rb", "tt-rb-late", "Eve left the map in the car", at.plusSeconds(500))); // said while it rebuilds
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() ->
                    Json.mapper().readTree(call("GET", "/v1/admin/rebuild", service, null).body()).path("finished_at").isTextual());
            Thread.sleep(1500); // queries go on after the swap too
        } finally {
            searchers.close();
        }
        JsonNode progress = Json.mapper().readTree(call("GET", "/v1/admin/rebuild", service, null).body());
        assertThat(progress.path("state").asText()).as(progress.toString()).isEqualTo("done");
        assertThat(progress.path("records").asLong()).isGreaterThanOrEqualTo(200);
        assertThat(searchers.failures()).as("failed queries during the rebuild").isEmpty();
        assertThat(searchers.answered()).isGreaterThan(10);

        String after = os.call("GET", "/_alias/" + ALIAS, null).fieldNames().next();
        assertThat(after).isEqualTo(progress.path("to").asText()).isNotEqualTo(before);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            os.call("POST", "/" + after + "/_refresh", null);
            return os.call("POST", "/" + after + "/_count", query).path("count").asLong() == 201;
        });
        assertThat(embeddingOf(after, "tt-rb-7")).as("the record's own vector, not embedded again").isEqualTo(vectorBefore);
        assertThat(texts(search("rb", "where is the map?", null))).contains("Eve left the map in the car");
    }

    static List<Float> embeddingOf(String index, String id) {
        List<Float> vector = new java.util.ArrayList<>();
        os.call("GET", "/" + index + "/_doc/" + id, null).path("_source").path("embedding").forEach(v -> vector.add(v.floatValue()));
        assertThat(vector).isNotEmpty();
        return vector;
    }
    static dev.memlog.schemas.avro.MemoryEvent turn(String user, String id, String text, Instant at) {
        return dev.memlog.schemas.avro.MemoryEvent.newBuilder().setEventId(id).setTenantId("tenant-t").setUserId(user)
                .setSessionId(user + "-" + at.toEpochMilli() / 3_600_000).setKind(dev.memlog.schemas.avro.EventKind.TURN)
                .setRole("user").setContent(text).setOccurredAt(at).setReceivedAt(at).setMetadata(Map.of("speaker", "Eve")).build();
    }

    static void append(dev.memlog.schemas.avro.MemoryEvent event) throws Exception {
        producer.send(new ProducerRecord<>(Topics.MEMORY_EVENTS.name(),
                MemoryOwner.of(event.getTenantId(), event.getUserId(), null).key().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Topics.MEMORY_EVENTS.valueSerde(format).serialize(event))).get();
    }

    static HttpResponse<String> call(QueryService service, String method, String path, String authorization, String body)
            throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A consolidation with another embedding model runs beside the first from the start of the log (its own topics);
     * a rebuild from its derivation builds every index of a new generation and swaps the alias while queries go on;
     * then queries are embedded with the new model, the materializer writes the new derivation, and an erasure reaches
     * both generations.
     */
    @Test
    void aReDerivationWithAnotherModelIsSwappedInUnderConcurrentQueriesAndQueriesFollowItsModel() throws Exception {
        String alias = "memlog-rd";
        String[] places = {"blue drawer", "red box", "attic", "garage", "kitchen shelf", "glovebox", "desk", "wardrobe"};
        Instant at = Instant.parse("2023-05-01T09:00:00Z");
        for (int i = 0; i < 40; i++) {
            String text = "Eve keeps the key number " + i + " in the " + places[i % places.length];
            append(turn("rd", "rd-event-" + i, text, at.plus(Duration.ofHours(i))));
            // what the first derivation made of it, as its consolidation would have written it
            send(fact("rd", "rd-blue-" + i, text, at.plus(Duration.ofHours(i))));
        }
        var blueService = new QueryService(QueryService.Config.local(kafka.bootstrapServers(), registry.url(), openSearch.url(),
                alias, "materializer-rd", model.modelId(), ApiKeys.load(KEY + "=tenant-t", null),
                new ServiceToken(TestCredentials.SERVICE_TOKEN), 0, Encryption.off()), model);
        var minilm = OnnxEmbeddingProvider.fromSetting("all-minilm-l6-v2-q");
        var green = new dev.memlog.consolidation.ConsolidationService(dev.memlog.consolidation.ConsolidationService.Config.from(
                new Env(Map.ofEntries(Map.entry("DERIVATION", "green"), Map.entry("EMBEDDING_MODEL", minilm.modelId()),
                        Map.entry("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers()), Map.entry("SCHEMA_REGISTRY_URL", registry.url()),
                        Map.entry("SERVICE_TOKEN", TestCredentials.SERVICE_TOKEN), Map.entry("HTTP_HOST", "127.0.0.1"),
                        Map.entry("CONSOLIDATION_PORT", "0"), Map.entry("STREAMS_STATE_DIR", dir.resolve("green-streams").toString()),
                        Map.entry("TOPIC_PARTITIONS", "3"), Map.entry("TOPIC_REPLICATION_FACTOR", "1"),
                        Map.entry("STREAMS_STANDBY_REPLICAS", "0")))), minilm);
        Searchers searchers = null;
        Thread readiness = null;
        Runnable stopReadiness = () -> { };
        try {
            String blue = "{\"query\":{\"term\":{\"user_id\":\"rd\"}}}";
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                os.call("POST", "/" + alias + "/_refresh", null);
                return os.call("POST", "/" + alias + "/_count", blue).path("count").asLong() == 40;
            });
            searchers = new Searchers(3, blueService.port(), "Bearer " + KEY,
                    "{\"query\":\"where is the key kept?\",\"user_id\":\"rd\",\"k\":5,\"reinforce\":false}");
            // and readiness, which a swap reaching every instance at once must not take down
            var unready = new java.util.concurrent.ConcurrentLinkedQueue<String>();
            var watching = new java.util.concurrent.atomic.AtomicBoolean(true);
            readiness = Thread.ofVirtual().start(() -> {
                while (watching.get()) {
                    try {
                        var ready = call(blueService, "GET", "/health/ready", "Bearer " + KEY, null);
                        if (ready.statusCode() != 200) {
                            unready.add(ready.statusCode() + " " + ready.body());
                        }
                        Thread.sleep(50);
                    } catch (Exception e) {
                        unready.add(e.toString());
                        return;
                    }
                }
            });
            stopReadiness = () -> watching.set(false);
            String service = "Bearer " + TestCredentials.SERVICE_TOKEN;
            // a field that is not a rebuild's, and a model no one can load, are refused by name
            assertThat(call(blueService, "POST", "/v1/admin/rebuild", service, "{\"derivation\":\"Green$\"}").body())
                    .contains("\"field\":\"derivation\"");
            assertThat(call(blueService, "POST", "/v1/admin/rebuild", service, "{\"embedding_model\":\"gpt\\u0000\"}").body())
                    .contains("\"field\":\"embedding_model\"");
            var started = call(blueService, "POST", "/v1/admin/rebuild", service,
                    "{\"derivation\":\"green\",\"embedding_model\":\"" + minilm.modelId() + "\"}");
            assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
            append(turn("rd", "rd-event-late", "Eve hid the spare key under the doormat", at.plus(Duration.ofDays(3))));
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).until(() ->
                    Json.mapper().readTree(call(blueService, "GET", "/v1/admin/rebuild", service, null).body())
                            .path("finished_at").isTextual());
            Thread.sleep(2500); // queries go on after the swap too, and every instance has followed it
            searchers.close();
            stopReadiness.run();
            readiness.join();
            assertThat(unready).as("readiness across the swap").isEmpty();
            JsonNode progress = Json.mapper().readTree(call(blueService, "GET", "/v1/admin/rebuild", service, null).body());
            assertThat(progress.path("state").asText()).as(progress.toString()).isEqualTo("done");
            assertThat(progress.path("every_index").asBoolean()).isTrue();
            assertThat(searchers.failures()).as("failed or empty queries while the generation was built and swapped").isEmpty();
            assertThat(searchers.answered()).isGreaterThan(10);

            String live = os.call("GET", "/_alias/" + alias, null).fieldNames().next();
            assertThat(live).isEqualTo(alias + "-v2").isEqualTo(progress.path("to").asText());
            JsonNode meta = os.call("GET", "/" + live + "/_mapping", null).path(live).path("mappings").path("_meta");
            assertThat(meta.path("embedding_model").asText()).isEqualTo(minilm.modelId());
            assertThat(meta.path("derivation").asText()).isEqualTo("green");
            assertThat(meta.path("indexes").path("asof").asText()).isEqualTo(alias + "-asof-v2");
            // the new generation holds what the green consolidation derived, with its model's vectors, in every index
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                os.call("POST", "/" + alias + "-v2," + alias + "-asof-v2," + alias + "-history-v2/_refresh", null);
                return os.call("POST", "/" + live + "/_count", blue).path("count").asLong() >= 41
                        && os.call("POST", "/" + alias + "-asof-v2/_count", blue).path("count").asLong() >= 41;
            });
            JsonNode doc = os.call("POST", "/" + live + "/_search", "{\"size\":50,\"query\":{\"term\":{\"user_id\":\"rd\"}}}")
                    .path("hits").path("hits");
            doc.forEach(h -> assertThat(h.path("_source").path("embedding_model").asText()).isEqualTo(minilm.modelId()));
            assertThat(doc.findValuesAsText("record_id")).noneMatch(id -> id.startsWith("rd-blue-"));
            // queries are embedded with the generation's model: a MiniLM query vector scores the MiniLM document best
            var hits = Json.mapper().readTree(call(blueService, "POST", "/v1/search", "Bearer " + KEY,
                    "{\"query\":\"Eve hid the spare key under the doormat\",\"user_id\":\"rd\",\"k\":3,\"mode\":\"vector\",\"reinforce\":false}").body())
                    .path("hits");
            assertThat(hits.path(0).path("text").asText()).as("the turn said during the rebuild, derived by green, found by"
                    + " its own vector").isEqualTo("Eve hid the spare key under the doormat");
            assertThat(hits.path(0).path("score").asDouble()).isGreaterThan(0.95);
            // as of a moment, from the new generation's as-of index
            assertThat(texts(searchOn(blueService, "rd", "which key is in the attic?", "2023-05-01T12:30:00Z")))
                    .contains("Eve keeps the key number 2 in the attic").noneMatch(t -> t.contains("number 9 "));

            // the materializer follows the alias: the first derivation's records no longer reach the live index
            send(fact("rd", "rd-blue-after", "Eve keeps a key in the old derivation only", at.plus(Duration.ofDays(4))));
            append(turn("rd", "rd-event-after", "Eve keeps a key in the new derivation", at.plus(Duration.ofDays(4))));
            await().atMost(Duration.ofSeconds(60)).until(() -> texts(searchOn(blueService, "rd", "Eve keeps a key in the new derivation", null))
                    .contains("Eve keeps a key in the new derivation"));
            os.call("POST", "/" + live + "/_refresh", null);
            assertThat(os.call("POST", "/" + live + "/_count", "{\"query\":{\"term\":{\"record_id\":\"rd-blue-after\"}}}")
                    .path("count").asLong()).isZero();

            // a rebuild of the same derivation with another model is refused: its records are green's model's
            assertThat(call(blueService, "POST", "/v1/admin/rebuild", service, "{\"embedding_model\":\"" + model.modelId() + "\"}")
                    .statusCode()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(30)).until(() -> Json.mapper().readTree(call(blueService, "GET", "/v1/admin/rebuild",
                    service, null).body()).path("finished_at").isTextual());
            assertThat(Json.mapper().readTree(call(blueService, "GET", "/v1/admin/rebuild", service, null).body()).path("error")
                    .asText()).contains("a new model needs a new derivation");
            // and an instance configured with the first model refuses to start on the new generation
            var stale = QueryService.Config.local(kafka.bootstrapServers(), registry.url(), openSearch.url(), alias,
                    "materializer-rd", model.modelId(), ApiKeys.load(KEY + "=tenant-t", null),
                    new ServiceToken(TestCredentials.SERVICE_TOKEN), 0, Encryption.off());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new QueryService(stale, model))
                    .isInstanceOf(MemoryIndex.EmbeddingModelMismatch.class).hasMessageContaining(minilm.modelId());

            // an erasure reaches every generation: the one in use and the one kept for a rollback
            var eraser = new IndexEraser(os, blueService.index().generations(), new ErasureReceipts(os, alias));
            var receipt = eraser.erase(MemoryRecord.newBuilder(fact("rd", "rd-erased", "x", at)).setChange(RecordChange.ERASED)
                    .setDeletedAt(Instant.now()).setDeletedBy("test").build());
            assertThat(receipt.getDetails().get("documents_deleted_live")).as("v1's 40 and v2's 42").isGreaterThanOrEqualTo(82L);
            os.call("POST", "/" + alias + "-*/_refresh", null);
            assertThat(os.call("POST", "/" + alias + "-*/_count", blue).path("count").asLong()).isZero();
            eraser.close();
        } finally {
            stopReadiness.run();
            if (searchers != null) {
                searchers.close();
            }
            green.close();
            blueService.close();
        }
    }

    static JsonNode searchOn(QueryService service, String user, String question, String asOf) throws Exception {
        var body = Json.mapper().createObjectNode().put("query", question).put("user_id", user).put("k", 5).put("reinforce", false);
        if (asOf != null) {
            body.put("as_of", asOf);
        }
        var response = call(service, "POST", "/v1/search", "Bearer " + KEY, body.toString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.mapper().readTree(response.body()).path("hits");
    }

    @Test
    void theExplorerShowsWhatAnOwnerKnewThenAndAClickOpensTheMemorysLineage() throws Exception {
        var garden = fact("eve", "tt-eve-garden", "Eve grows tomatoes on her balcony", Instant.parse("2023-02-01T09:00:00Z"));
        var allotment = fact("eve", "tt-eve-allotment", "Eve grows tomatoes on an allotment now", Instant.parse("2023-08-01T09:00:00Z"));
        send(garden);
        send(allotment);
        send(MemoryRecord.newBuilder(garden).setVersion(2).setChange(RecordChange.SUPERSEDED)
                .setValidTo(allotment.getObservedAt()).setChangeReason("superseded by tt-eve-allotment").build());
        awaitVersions("tt-eve-garden", 2);

        Path check = Path.of("src/test/explorer");
        assertThat(check.resolve("node_modules/playwright-core")).as("playwright-core: .ci/run installs it (npm ci --prefix "
                + "query-service/src/test/explorer)").isDirectory();
        assertThat(Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"))).as("Chromium: .ci/run installs "
                + "Debian's chromium").isRegularFile();
        Path shots = java.nio.file.Files.createDirectories(Path.of("target/explorer-shots").toAbsolutePath()); // kept for a look
        var process = new ProcessBuilder("node", "check.mjs", "http://127.0.0.1:" + query.port(), KEY, "eve",
                "2023-05-01T00:00:00Z", "what does Eve grow?", shots.toString())
                .directory(check.toFile()).redirectErrorStream(false).start();
        var stdout = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        var stderr = new String(process.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(stderr).isZero();
        JsonNode seen = Json.mapper().readTree(stdout.strip().lines().reduce((a, b) -> b).orElse("{}"));

        assertThat(seen.path("errors")).as("no script error in the page").isEmpty();
        assertThat(strings(seen.path("tiers"))).containsExactly("WORKING", "EPISODIC", "SEMANTIC", "PROCEDURAL");
        assertThat(strings(seen.path("now"))).contains("Eve grows tomatoes on an allotment now")
                .doesNotContain("Eve grows tomatoes on her balcony");
        assertThat(seen.path("moment").asText()).startsWith("known at 2023-0");
        assertThat(strings(seen.path("then"))).as("scrubbed back to May 2023").containsExactly("Eve grows tomatoes on her balcony");
        assertThat(strings(seen.path("lineage"))).contains("state: superseded");
        assertThat(strings(seen.path("versions"))).hasSize(2);
        assertThat(seen.path("strengthPoints").asInt()).as("strength over its life, plotted").isEqualTo(HistoryRoutes.POINTS);
        assertThat(seen.path("hits").path(0).path("id").asText()).isEqualTo("tt-eve-garden");
        assertThat(seen.path("hits").path(0).path("parts").asInt()).as("the score explanation as a bar").isPositive();
        for (String shot : List.of("1-now.png", "2-then.png", "3-lineage.png", "4-why.png")) {
            var image = javax.imageio.ImageIO.read(shots.resolve(shot).toFile());
            assertThat(image).as(shot).isNotNull();
            assertThat(image.getWidth()).as(shot).isEqualTo(1280);
            var colours = new java.util.HashSet<Integer>();
            for (int y = 0; y < image.getHeight(); y += 7) {
                for (int x = 0; x < image.getWidth(); x += 7) {
                    colours.add(image.getRGB(x, y));
                }
            }
            assertThat(colours.size()).as(shot + " is a rendered page, not a blank one").isGreaterThan(20);
        }
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
