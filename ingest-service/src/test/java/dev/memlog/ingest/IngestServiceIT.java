package dev.memlog.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memlog.schemas.sealing.Encryption;
import dev.memlog.schemas.sealing.KeyEncryptionKey;
import dev.memlog.testkit.LocalKms;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.limits.TenantLimits;
import dev.memlog.common.limits.TenantRateLimits;
import dev.memlog.registry.Compatibility;
import dev.memlog.registry.SchemaRegistryServer;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.TopicSettings;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.testkit.KafkaBroker;
import dev.memlog.testkit.TestCredentials;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ingest-service against a real broker and registry: what is accepted lands in the log, what is not is named. */
class IngestServiceIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ACME_KEY = "acme-secret-key-0123456789";
    static final String ERASER_KEY = "acme-eraser-key-0123456789abcdef";
    static final String GLOBEX_KEY = "globex-secret-key-0123456789";

    @TempDir
    static Path dir;
    static KafkaBroker kafka;
    static SchemaRegistryServer registry;
    static IngestService ingest;
    static HttpClient http = HttpClient.newHttpClient();
    static String base;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start(dir.resolve("kafka"));
        registry = new SchemaRegistryServer(new SchemaRegistryServer.Config(kafka.bootstrapServers(), "127.0.0.1", 0,
                "_schemas", Compatibility.BACKWARD, new ServiceToken(TestCredentials.SERVICE_TOKEN)));
        ingest = new IngestService(new IngestService.Config("127.0.0.1", 0, kafka.bootstrapServers(), registry.url(),
                TestCredentials.serviceAuthorization(), ApiKeys.load(ACME_KEY + "=acme\n" + GLOBEX_KEY + "=globex\n" + ERASER_KEY
                        + "=acme;scopes=erase", null), null, 64 * 1024, 50, 4000, Duration.ofMinutes(5),
                Duration.ofSeconds(20), TopicSettings.singleBroker(3), 16 * 1024, TenantLimits.none(), Encryption.off()));
        base = "http://127.0.0.1:" + ingest.port();
    }

    @AfterAll
    static void stop() {
        ingest.close();
        registry.close();
        kafka.close();
    }

    static HttpResponse<String> post(String path, String key, String body) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header(ApiKeys.HEADER, key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Every event in the log, as every reader of it sees it: committed records only. */
    static List<ConsumerRecord<String, MemoryEvent>> readAllEvents() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var topic = Topics.MEMORY_EVENTS;
        List<ConsumerRecord<String, MemoryEvent>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, topic.keySerde().deserializer(),
                topic.valueSerde(dev.memlog.schemas.serde.AvroFormat.plain(new SchemaRegistryClient(registry.url(), TestCredentials.serviceAuthorization()))).deserializer())) {
            consumer.subscribe(List.of(topic.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int emptyPolls = 0;
            while (System.nanoTime() < deadline && emptyPolls < 3) {
                var batch = consumer.poll(Duration.ofMillis(500));
                if (batch.isEmpty() && !records.isEmpty()) {
                    emptyPolls++;
                }
                batch.forEach(records::add);
            }
        }
        return records;
    }

    @Test
    void acceptedTurnIsInTheLogWithTheTenantOfTheKeyAndTheOwnerAsKey() throws Exception {
        var response = post("/v1/turns", ACME_KEY, """
                {"user_id":"alice","session_id":"s-1","role":"user","content":"My sister Ana lives in Porto",
                 "timestamp":"2023-05-08T13:56:00Z","metadata":{"speaker":"Alice"}}""");

        assertThat(response.statusCode()).isEqualTo(202);
        String eventId = JSON.readTree(response.body()).path("event_id").asText();
        var record = readAllEvents().stream().filter(r -> r.value().getEventId().equals(eventId)).findFirst().orElseThrow();
        assertThat(record.key()).isEqualTo(MemoryOwner.of("acme", "alice", null).key());
        assertThat(record.value().getTenantId()).isEqualTo("acme");
        assertThat(record.value().getKind()).isEqualTo(EventKind.TURN);
        assertThat(record.value().getOccurredAt()).isEqualTo(Instant.parse("2023-05-08T13:56:00Z"));
        // the record's time is when the platform received it: stream time no client's clock can move
        assertThat(record.timestamp()).isEqualTo(record.value().getReceivedAt().toEpochMilli());
        assertThat(record.value().getReceivedAt()).isAfter(Instant.now().minusSeconds(60));
        assertThat(record.value().getMetadata()).containsEntry("speaker", "Alice");
    }

    @Test
    void batchAppendKeepsOrderAndReturnsEveryId() throws Exception {
        var response = post("/v1/turns/batch", GLOBEX_KEY, """
                {"turns":[
                  {"agent_id":"helpdesk","session_id":"b-1","role":"user","content":"first","event_id":"b-1-1"},
                  {"agent_id":"helpdesk","session_id":"b-1","role":"assistant","content":"second","event_id":"b-1-2"},
                  {"agent_id":"helpdesk","session_id":"b-1","role":"user","content":"third","event_id":"b-1-3"}]}""");

        assertThat(response.statusCode()).isEqualTo(202);
        JsonNode ids = JSON.readTree(response.body()).path("event_ids");
        assertThat(ids).extracting(JsonNode::asText).containsExactly("b-1-1", "b-1-2", "b-1-3");
        var contents = readAllEvents().stream().filter(r -> "b-1".equals(r.value().getSessionId()))
                .map(r -> r.value().getContent() + "@" + r.value().getTenantId()).toList();
        assertThat(contents).containsExactly("first@globex", "second@globex", "third@globex");
    }

    @Test
    void explicitMemoryIsAnEventOfItsOwnKind() throws Exception {
        var response = post("/v1/memories", ACME_KEY, """
                {"user_id":"bob","content":"Remember: Bob is allergic to peanuts"}""");
        assertThat(response.statusCode()).isEqualTo(202);
        String id = JSON.readTree(response.body()).path("event_id").asText();
        var event = readAllEvents().stream().map(ConsumerRecord::value).filter(e -> e.getEventId().equals(id)).findFirst().orElseThrow();
        assertThat(event.getKind()).isEqualTo(EventKind.EXPLICIT_MEMORY);
        assertThat(event.getRole()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing content    | {"user_id":"a","session_id":"s","role":"user"}                               | content
            wrong type         | {"user_id":"a","session_id":"s","role":"user","content":42}                  | content
            empty content      | {"user_id":"a","session_id":"s","role":"user","content":"   "}               | content
            unknown role       | {"user_id":"a","session_id":"s","role":"robot","content":"hi"}               | role
            no owner           | {"session_id":"s","role":"user","content":"hi"}                              | user_id
            missing session    | {"user_id":"a","role":"user","content":"hi"}                                 | session_id
            bad timestamp      | {"user_id":"a","session_id":"s","role":"user","content":"hi","timestamp":"yesterday"} | timestamp
            tenant in body     | {"tenant_id":"globex","user_id":"a","session_id":"s","role":"user","content":"hi"} | tenant_id
            bad metadata       | {"user_id":"a","session_id":"s","role":"user","content":"hi","metadata":{"k":{"x":1}}} | metadata.k
            """)
    void invalidTurnIsRefusedWith400NamingTheField(String caseName, String body, String field) throws Exception {
        var response = post("/v1/turns", ACME_KEY, body);

        assertThat(response.statusCode()).as(caseName).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body());
        assertThat(error.path("field").asText()).isEqualTo(field);
        assertThat(error.path("error").asText()).contains(field);
    }

    @Test
    void invalidItemInABatchIsNamedByItsIndexAndNothingIsAppended() throws Exception {
        var response = post("/v1/turns/batch", ACME_KEY, """
                {"turns":[{"user_id":"a","session_id":"bad-batch","role":"user","content":"ok"},
                          {"user_id":"a","session_id":"bad-batch","role":"user","content":""}]}""");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("field").asText()).isEqualTo("turns[1].content");
        assertThat(readAllEvents()).noneMatch(r -> "bad-batch".equals(r.value().getSessionId()));
    }

    @Test
    void malformedJsonIsRefusedWith400() throws Exception {
        var response = post("/v1/turns", ACME_KEY, "{\"user_id\": \"a\", ");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("error").asText()).contains("not valid JSON");
    }

    @Test
    void oversizedBodyIsRefusedWith413() throws Exception {
        String content = "x".repeat(70 * 1024);
        var response = post("/v1/turns", ACME_KEY,
                "{\"user_id\":\"a\",\"session_id\":\"s\",\"role\":\"user\",\"content\":\"" + content + "\"}");
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(response.body()).path("error").asText()).contains("exceeds");
    }

    @Test
    void tooManyTurnsInABatchIsRefusedWith413() throws Exception {
        var turns = new ArrayList<String>();
        for (int i = 0; i < 51; i++) {
            turns.add("{\"user_id\":\"a\",\"session_id\":\"s\",\"role\":\"user\",\"content\":\"t" + i + "\"}");
        }
        var response = post("/v1/turns/batch", ACME_KEY, "{\"turns\":[" + String.join(",", turns) + "]}");
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(response.body()).path("field").asText()).isEqualTo("turns");
    }

    @Test
    void missingAndUnknownApiKeysAreRefusedWith401() throws Exception {
        String body = "{\"user_id\":\"a\",\"session_id\":\"s\",\"role\":\"user\",\"content\":\"hi\"}";
        var missing = post("/v1/turns", null, body);
        var unknown = post("/v1/turns", "not-a-key", body);

        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(missing.body()).path("error").asText()).contains("missing credential");
        assertThat(unknown.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(unknown.body()).path("error").asText()).contains("unknown API key");
    }

    @Test
    void healthReadinessAndMetricsAreServed() throws Exception {
        post("/v1/turns", null, "{}");
        var live = http.send(HttpRequest.newBuilder(URI.create(base + "/health/live")).build(), HttpResponse.BodyHandlers.ofString());
        var ready = http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        var metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ready.body()).path("checks").path("kafka").path("status").asText()).isEqualTo("UP");
        assertThat(metrics.body()).contains("status=\"401\"");
        assertThat(metrics.body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void unknownRouteIsAJson404() throws Exception {
        var response = post("/v1/nothing-here", ACME_KEY, "{}");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(response.body()).path("error").asText()).contains("/v1/nothing-here");
    }

    @Test
    void aTimestampInTheFutureIsRefusedAsTheCallersMistakeNotAnOutage() throws Exception {
        var response = post("/v1/turns", ACME_KEY, """
                {"user_id":"a","session_id":"future","role":"user","content":"hi","timestamp":"2099-01-01T00:00:00Z"}""");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("field").asText()).isEqualTo("timestamp");
        assertThat(JSON.readTree(response.body()).path("error").asText()).contains("in the future");
    }

    @Test
    void aBatchIsInTheLogWholeOrNotAtAll() throws Exception {
        // the log refuses a record this large: the batch's first turn must not land without it
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            var topic = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC,
                    Topics.MEMORY_EVENTS.name());
            admin.incrementalAlterConfigs(Map.of(topic, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                    new org.apache.kafka.clients.admin.ConfigEntry("max.message.bytes", "1500"),
                    org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get();
            try {
                String big = new java.util.Random(7).ints(3900, 'a', 'z' + 1)
                        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
                var response = post("/v1/turns/batch", ACME_KEY, """
                        {"turns":[{"user_id":"a","session_id":"whole","role":"user","content":"small","event_id":"whole-1"},
                                  {"user_id":"a","session_id":"whole","role":"user","content":"%s","event_id":"whole-2"}]}"""
                        .formatted(big));
                assertThat(response.statusCode()).isEqualTo(413);
                assertThat(JSON.readTree(response.body()).path("event_ids")).extracting(JsonNode::asText)
                        .containsExactly("whole-1", "whole-2");
                assertThat(readAllEvents()).noneMatch(r -> "whole".equals(r.value().getSessionId()));
            } finally {
                admin.incrementalAlterConfigs(Map.of(topic, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                        new org.apache.kafka.clients.admin.ConfigEntry("max.message.bytes", ""),
                        org.apache.kafka.clients.admin.AlterConfigOp.OpType.DELETE)))).all().get();
            }
        }
        var after = post("/v1/turns/batch", ACME_KEY, """
                {"turns":[{"user_id":"a","session_id":"whole","role":"user","content":"small","event_id":"whole-1"},
                          {"user_id":"a","session_id":"whole","role":"user","content":"also small","event_id":"whole-2"}]}""");
        assertThat(after.statusCode()).isEqualTo(202);
        assertThat(readAllEvents().stream().filter(r -> "whole".equals(r.value().getSessionId())).map(r -> r.value().getEventId()))
                .containsExactly("whole-1", "whole-2");
    }

    @Test
    void aSingleTurnHasItsOwnBodyLimitBelowTheBatchCeiling() throws Exception {
        // control characters are six bytes each once escaped: 3,000 of them are 18 KB, over the 16 KB single-event limit
        String turn = "{\"user_id\":\"big\",\"session_id\":\"s\",\"role\":\"user\",\"content\":\"x" + "\\u0001".repeat(3000) + "\"}";
        var single = post("/v1/turns", ACME_KEY, turn);
        assertThat(single.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(single.body()).path("error").asText()).contains("16384 bytes for POST /v1/turns");
        assertThat(post("/v1/turns/batch", ACME_KEY, "{\"turns\":[" + turn + "]}").statusCode()).as("a batch may carry it")
                .isEqualTo(202);
    }

    @Test
    void aTenantOverItsRateOrQuotaGetsA429WithRetryAfterAndNothingIsAppended() throws Exception {
        var limited = new IngestService(new IngestService.Config("127.0.0.1", 0, kafka.bootstrapServers(), registry.url(),
                TestCredentials.serviceAuthorization(), ApiKeys.of(Map.of(ACME_KEY, "acme", GLOBEX_KEY, "globex")), null,
                64 * 1024, 50, 4000, Duration.ofMinutes(5), Duration.ofSeconds(20), TopicSettings.singleBroker(3), 16 * 1024,
                new TenantLimits(Map.of(TenantRateLimits.Kind.WRITE, new TenantRateLimits.Rate(1, 3)), 10), Encryption.off()));
        try {
            String url = "http://127.0.0.1:" + limited.port();
            java.util.function.IntFunction<String> batch = n -> {
                var turns = new ArrayList<String>();
                for (int i = 0; i < n; i++) {
                    turns.add("{\"user_id\":\"rated\",\"session_id\":\"s\",\"role\":\"user\",\"content\":\"turn " + i + "\"}");
                }
                return "{\"turns\":[" + String.join(",", turns) + "]}";
            };
            java.util.function.BiFunction<String, String, HttpResponse<String>> send = (key, body) -> {
                try {
                    return http.send(HttpRequest.newBuilder(URI.create(url + "/v1/turns/batch")).header(ApiKeys.HEADER, key)
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            // the quota: 10 events a day, refused whole
            assertThat(send.apply(ACME_KEY, batch.apply(8)).statusCode()).isEqualTo(202);
            var overQuota = send.apply(ACME_KEY, batch.apply(3));
            assertThat(overQuota.statusCode()).as("8 of 10 spent, 3 asked").isEqualTo(429);
            assertThat(JSON.readTree(overQuota.body()).path("quota_remaining").asLong()).isEqualTo(2);
            assertThat(overQuota.headers().firstValue("Retry-After")).isPresent();

            // the rate: bursts of 3 requests, then 1 a second; whatever the machine's speed, 8 at once meet a 429
            HttpResponse<String> overRate = null;
            for (int i = 0; i < 8 && overRate == null; i++) {
                var response = send.apply(GLOBEX_KEY, batch.apply(1));
                if (response.statusCode() == 429) {
                    overRate = response;
                } else {
                    assertThat(response.statusCode()).isEqualTo(202);
                }
            }
            assertThat(overRate).as("a 429 within 8 requests").isNotNull();
            assertThat(JSON.readTree(overRate.body()).path("error").asText()).contains("write requests a second");
            assertThat(Long.parseLong(overRate.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 2L);
            assertThat(send.apply(ACME_KEY, batch.apply(1)).statusCode()).as("acme's rate is its own").isEqualTo(202);

            long rated = readAllEvents().stream().filter(r -> "rated".equals(r.value().getUserId())
                    && "acme".equals(r.value().getTenantId())).count();
            assertThat(rated).as("only acme's accepted batches are in the log").isEqualTo(9);
        } finally {
            limited.close();
        }
    }

    static HttpResponse<String> delete(String path, String key, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).header(ApiKeys.HEADER, key)
                .method("DELETE", HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aDeletionIsAnEventInTheLogNamingTheMemoryTheOwnerAndWhoAskedIt() throws Exception {
        var accepted = delete("/v1/memories/8a6b903c-a94e-3135-a7da-fa1be64e8f00?user_id=deleter", ACME_KEY,
                "{\"reason\":\"asked to forget \\u001b[31m it\"}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        String eventId = JSON.readTree(accepted.body()).path("event_id").asText();
        var deletion = readAllEvents().stream().filter(r -> r.value().getEventId().equals(eventId)).findFirst().orElseThrow();
        assertThat(deletion.value().getKind()).isEqualTo(EventKind.DELETION);
        assertThat(deletion.value().getTargetRecordId()).isEqualTo("8a6b903c-a94e-3135-a7da-fa1be64e8f00");
        assertThat(deletion.value().getTenantId()).isEqualTo("acme");
        assertThat(deletion.value().getActor()).startsWith("acme:").doesNotContain(ACME_KEY);
        assertThat(deletion.key()).as("keyed by owner, beside the owner's memories").isEqualTo(MemoryOwner.of("acme", "deleter", null).key());
        assertThat(delete("/v1/memories/8a6b903c-a94e-3135-a7da-fa1be64e8f00?user_id=deleter", ACME_KEY, "").statusCode())
                .as("the reason is optional").isEqualTo(202);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no owner                 | /v1/memories/r1                        | {}                     | user_id
            a regex as the id        | /v1/memories/.*?user_id=a              | {}                     | record_id
            an id with a backslash   | /v1/memories/a%5Cb?user_id=a           | {}                     | record_id
            an owner id with a NUL   | /v1/memories/r1?user_id=a%00b          | {}                     | user_id
            a reason not a string    | /v1/memories/r1?user_id=a              | {"reason":42}          | reason
            """)
    void aDeletionThatDoesNotNameAMemoryAndItsOwnerIsA400(String caseName, String path, String body, String field) throws Exception {
        var response = delete(path, ACME_KEY, body);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("field").asText()).isEqualTo(field);
    }

    @Test
    void aDeletionsReasonIsBounded() throws Exception {
        var response = delete("/v1/memories/r1?user_id=a", ACME_KEY, "{\"reason\":\"" + "x".repeat(501) + "\"}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("field").asText()).isEqualTo("reason");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no subject               | {}                                        | user_id
            a user and an agent      | {"user_id":"ann","agent_id":"a1"}         | agent_id
            a regex as the user      | {"user_id":".*"}                          | user_id
            a backslash in the agent | {"agent_id":"a\\\\b"}                         | agent_id
            a reason not a string    | {"user_id":"ann","reason":["x"]}          | reason
            """)
    void anErasureThatDoesNotNameOneSubjectIsA400(String caseName, String body, String field) throws Exception {
        var response = post("/v1/erasure", ERASER_KEY, body);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("field").asText()).isEqualTo(field);
    }

    @Test
    void anErasureNeedsTheEraseScopeAndWithEncryptionOffIsRefusedSayingWhy() throws Exception {
        assertThat(post("/v1/erasure", ACME_KEY, "{\"user_id\":\"ann\"}").statusCode()).as("an agent's key").isEqualTo(403);
        var refused = post("/v1/erasure", ERASER_KEY, "{\"user_id\":\"ann\"}");
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(refused.body()).path("error").asText()).contains("ENCRYPTION_KEK_FILE");
        assertThat(readAllEvents()).noneMatch(r -> r.value().getKind() == EventKind.ERASURE);
    }

    @Test
    void withItsKeyEncryptionKeyUnderAKmsMasterKeyATurnIsSealedAndItsErasureShredsIt() throws Exception {
        try (var kms = new LocalKms()) {
            String arn = kms.createKey("eu-west-1", "memlog-kek");
            Path file = dir.resolve("kms-kek.json");
            Map<String, String> env = Map.of("ENCRYPTION_KEK_FILE", file.toString(), "ENCRYPTION_KMS_KEY_URI", "aws-kms://" + arn,
                    "ENCRYPTION_KMS_ENDPOINT", kms.endpoint(), "AWS_ACCESS_KEY_ID", "AKIDMEMLOGTEST", "AWS_SECRET_ACCESS_KEY", "not-a-real-secret");
            var encryption = Encryption.from(env::get);
            KeyEncryptionKey.generateIfAbsent(file, encryption.masterKey());
            int decrypts = kms.calls("Decrypt");
            var sealing = new IngestService(new IngestService.Config("127.0.0.1", 0, kafka.bootstrapServers(), registry.url(),
                    TestCredentials.serviceAuthorization(), ApiKeys.load(ACME_KEY + "=acme\n" + ERASER_KEY + "=acme;scopes=erase", null),
                    null, 64 * 1024, 50, 4000, Duration.ofMinutes(5), Duration.ofSeconds(20), TopicSettings.singleBroker(3), 16 * 1024,
                    TenantLimits.none(), encryption));
            try {
                assertThat(kms.calls("Decrypt")).as("the service opened its key file through the KMS").isEqualTo(decrypts + 1);
                String url = "http://127.0.0.1:" + sealing.port();
                String secret = "kms-sealed-" + java.util.UUID.randomUUID();
                var accepted = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/turns")).header(ApiKeys.HEADER, ACME_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"user_id\":\"kms-ann\",\"session_id\":\"s\",\"role\":\"user\","
                                + "\"content\":\"" + secret + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(accepted.statusCode()).isEqualTo(202);
                String eventId = JSON.readTree(accepted.body()).path("event_id").asText();
                assertThat(rawEventValues()).as("the log holds the turn").isNotEmpty()
                        .noneMatch(bytes -> new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).contains(secret));
                assertThat(contentOf(eventId, encryption)).as("opened with the key file").isEqualTo(secret);

                var erased = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/erasure")).header(ApiKeys.HEADER, ERASER_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"user_id\":\"kms-ann\"}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(erased.statusCode()).isEqualTo(202);
                assertThat(JSON.readTree(erased.body()).path("keys_destroyed").asInt()).isEqualTo(1);
                assertThat(contentOf(eventId, encryption)).as("shredded").isNull();
            } finally {
                sealing.close();
            }
        }
    }

    /** Every value of memory.events as bytes, committed or not. */
    static List<byte[]> rawEventValues() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<byte[]> values = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(Topics.MEMORY_EVENTS.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline && partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }

    /** The content of one event as a new reader with the deployment's key file sees it: null once erased. */
    static String contentOf(String eventId, Encryption encryption) {
        var client = new SchemaRegistryClient(registry.url(), TestCredentials.serviceAuthorization());
        try (var opened = encryption.open(kafka.bootstrapServers(), client, "kms-reader-" + System.nanoTime())) {
            var serde = Topics.MEMORY_EVENTS.valueSerde(opened.format());
            for (byte[] value : rawEventValues()) {
                MemoryEvent event;
                try {
                    event = serde.deserialize(value);
                } catch (RuntimeException notAnEvent) {
                    continue;
                }
                if (event != null && eventId.equals(event.getEventId())) {
                    return event.getContent();
                }
            }
        }
        return null;
    }
}
