package dev.memlog.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.common.http.Json;
import dev.memlog.common.http.OpenApiContract;
import dev.memlog.common.limits.TenantLimits;
import dev.memlog.registry.Compatibility;
import dev.memlog.registry.SchemaRegistryServer;
import dev.memlog.schemas.TopicSettings;
import dev.memlog.schemas.sealing.Encryption;
import dev.memlog.testkit.KafkaBroker;
import dev.memlog.testkit.TestCredentials;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ingest-service against its OpenAPI document, on a real broker and registry: every route it serves is documented
 * with the scopes it requires and nothing else is, every documented operation is answered by its route, and real
 * answers, accepted and refused, are what the document says.
 */
class IngestContractIT {
    static final String SPEC = "/openapi/ingest.yaml";
    static final String WRITER = "contract-writer-key-0123456789";
    static final String ERASER = "contract-eraser-key-0123456789";
    static final OpenApiContract CONTRACT = OpenApiContract.load(SPEC);

    @TempDir
    static Path dir;
    static KafkaBroker kafka;
    static SchemaRegistryServer registry;
    static IngestService ingest;
    static final HttpClient http = HttpClient.newHttpClient();
    static String base;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start(dir.resolve("kafka"));
        registry = new SchemaRegistryServer(new SchemaRegistryServer.Config(kafka.bootstrapServers(), "127.0.0.1", 0,
                "_schemas", Compatibility.BACKWARD, new ServiceToken(TestCredentials.SERVICE_TOKEN)));
        ingest = new IngestService(new IngestService.Config("127.0.0.1", 0, kafka.bootstrapServers(), registry.url(),
                TestCredentials.serviceAuthorization(), ApiKeys.load(WRITER + "=acme\n" + ERASER + "=acme;scopes=erase", null),
                null, 64 * 1024, 50, 4000, Duration.ofMinutes(5), Duration.ofSeconds(20), TopicSettings.singleBroker(3),
                16 * 1024, TenantLimits.none(), Encryption.off()));
        base = "http://127.0.0.1:" + ingest.port();
    }

    @AfterAll
    static void stop() {
        ingest.close();
        registry.close();
        kafka.close();
    }

    @Test
    void everyRouteIsDocumentedWithItsScopesAndEveryDocumentedOperationIsServed() {
        assertThat(CONTRACT.differences(ingest.routes())).isEmpty();
    }

    @Test
    void everyDocumentedOperationIsAnsweredByItsRouteAsDocumented() throws Exception {
        assertThat(CONTRACT.answerEveryOperation(http, base)).isEmpty();
    }

    @Test
    void theDocumentServedIsTheOneTested() throws Exception {
        var served = OpenApiContract.send(base + "/openapi.json", "GET", Map.of(), null);
        assertThat(Json.mapper().readTree(served.body())).isEqualTo(CONTRACT.document());
    }

    /** One real request, the operation it is documented under, and the status it must get. */
    record Sample(String name, String method, String operation, String path, String key, String body, int status) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final String TURN = """
            {"user_id":"alice","session_id":"c-1","role":"user","content":"My sister Ana lives in Porto",
             "timestamp":"2023-05-08T13:56:00Z","metadata":{"speaker":"Alice"}}""";

    static Stream<Sample> samples() {
        String many = IntStream.range(0, 51).mapToObj(i -> "{\"user_id\":\"a\",\"session_id\":\"s\",\"role\":\"user\",\"content\":\"t\"}")
                .collect(Collectors.joining(",", "{\"turns\":[", "]}"));
        return Stream.of(
                new Sample("a turn", "POST", "/v1/turns", "/v1/turns", WRITER, TURN, 202),
                new Sample("a batch", "POST", "/v1/turns/batch", "/v1/turns/batch", WRITER, "{\"turns\":[" + TURN + ","
                        + TURN.replace("\"user\"", "\"assistant\"") + "]}", 202),
                new Sample("an explicit memory", "POST", "/v1/memories", "/v1/memories", WRITER,
                        "{\"user_id\":\"alice\",\"content\":\"Remember: Alice is allergic to peanuts\"}", 202),
                new Sample("a deletion", "DELETE", "/v1/memories/{record_id}", "/v1/memories/rec-1?user_id=alice", WRITER,
                        "{\"reason\":\"asked to forget\"}", 202),
                new Sample("a deletion without a body", "DELETE", "/v1/memories/{record_id}", "/v1/memories/rec-1?agent_id=bot",
                        WRITER, null, 202),
                new Sample("a turn without content", "POST", "/v1/turns", "/v1/turns", WRITER,
                        "{\"user_id\":\"a\",\"session_id\":\"s\",\"role\":\"user\"}", 400),
                new Sample("a turn of the wrong types", "POST", "/v1/turns", "/v1/turns", WRITER,
                        "{\"user_id\":5,\"session_id\":[],\"role\":{},\"content\":true}", 400),
                new Sample("a turn that is not an object", "POST", "/v1/turns", "/v1/turns", WRITER, "[]", 400),
                new Sample("malformed JSON", "POST", "/v1/turns", "/v1/turns", WRITER, "{\"user_id\": ", 400),
                new Sample("an empty body", "POST", "/v1/memories", "/v1/memories", WRITER, "", 400),
                new Sample("no credential", "POST", "/v1/turns", "/v1/turns", null, TURN, 401),
                new Sample("an unknown key", "POST", "/v1/turns", "/v1/turns", "nobody-issued-this-key-0123", TURN, 401),
                new Sample("a key without the scope", "POST", "/v1/turns", "/v1/turns", ERASER, TURN, 403),
                new Sample("a turn over the body limit", "POST", "/v1/turns", "/v1/turns", WRITER,
                        TURN.replace("My sister", "x".repeat(20_000)), 413),
                new Sample("an empty batch", "POST", "/v1/turns/batch", "/v1/turns/batch", WRITER, "{\"turns\":[]}", 400),
                new Sample("a batch over the limit", "POST", "/v1/turns/batch", "/v1/turns/batch", WRITER, many, 413),
                new Sample("a malformed record id", "DELETE", "/v1/memories/{record_id}", "/v1/memories/not%20an%20id?user_id=a",
                        WRITER, null, 400),
                new Sample("a deletion naming no owner", "DELETE", "/v1/memories/{record_id}", "/v1/memories/rec-1", WRITER, null, 400),
                new Sample("a deletion with a reason too long", "DELETE", "/v1/memories/{record_id}", "/v1/memories/rec-1?user_id=a",
                        WRITER, "{\"reason\":\"" + "r".repeat(501) + "\"}", 400),
                new Sample("an erasure without encryption", "POST", "/v1/erasure", "/v1/erasure", ERASER, "{\"user_id\":\"alice\"}", 409),
                new Sample("an erasure naming both", "POST", "/v1/erasure", "/v1/erasure", ERASER,
                        "{\"user_id\":\"alice\",\"agent_id\":\"bot\"}", 400),
                new Sample("an erasure by a writer", "POST", "/v1/erasure", "/v1/erasure", WRITER, "{\"user_id\":\"alice\"}", 403),
                new Sample("readiness", "GET", "/health/ready", "/health/ready", null, null, 200),
                new Sample("metrics", "GET", "/metrics", "/metrics", null, null, 200),
                new Sample("the document", "GET", "/openapi.json", "/openapi.json", null, null, 200),
                new Sample("Swagger UI", "GET", "/docs", "/docs", null, null, 200),
                new Sample("Swagger UI's script", "GET", "/docs/{asset}", "/docs/swagger-ui-bundle.js", null, null, 200),
                new Sample("a file of the webjar not served", "GET", "/docs/{asset}", "/docs/index.html", null, null, 404));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void aRealAnswerIsWhatTheDocumentSays(Sample sample) throws Exception {
        var response = OpenApiContract.send(base + sample.path(), sample.method(),
                sample.key() == null ? Map.of() : Map.of(ApiKeys.HEADER, sample.key()), sample.body());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(sample.status());
        assertThat(CONTRACT.violations(sample.method(), sample.operation(), response)).isEmpty();
    }
}
