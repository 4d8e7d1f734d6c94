package dev.memlog.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import dev.memlog.schemas.registry.SchemaRegistryException;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.testkit.KafkaBroker;
import dev.memlog.testkit.TestCredentials;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry on a real KRaft broker, driven through the Confluent REST API by the project's own client. */
class SchemaRegistryIT {
    @TempDir
    static Path dir;
    static KafkaBroker kafka;
    static SchemaRegistryServer server;
    static SchemaRegistryClient client;

    @BeforeAll
    static void start() {
        kafka = KafkaBroker.start(dir.resolve("kafka"));
        server = startRegistry();
        client = new SchemaRegistryClient(server.url(), TestCredentials.serviceAuthorization());
    }

    static SchemaRegistryServer startRegistry() {
        return new SchemaRegistryServer(new SchemaRegistryServer.Config(kafka.bootstrapServers(), "127.0.0.1", 0,
                "_schemas", Compatibility.BACKWARD, new ServiceToken(TestCredentials.SERVICE_TOKEN)));
    }

    @AfterAll
    static void stop() {
        server.close();
        kafka.close();
    }

    static Schema user(String... extraFields) {
        var fields = SchemaBuilder.record("User").namespace("test").fields().requiredString("name");
        for (String f : extraFields) {
            fields = switch (f) {
                case "optional-email" -> fields.name("email").type().nullable().stringType().stringDefault(null);
                case "required-age" -> fields.requiredInt("age");
                default -> throw new IllegalArgumentException(f);
            };
        }
        return fields.endRecord();
    }

    @Test
    void serdeRoundTripsThroughTheRegistryInConfluentWireFormat() {
        var serde = Topics.MEMORY_EVENTS.valueSerde(dev.memlog.schemas.serde.AvroFormat.plain(client));
        var event = MemoryEvent.newBuilder()
                .setEventId("e-1").setTenantId("acme").setUserId("alice").setSessionId("s1")
                .setKind(EventKind.TURN).setRole("user").setContent("I moved to Lisbon last spring")
                .setOccurredAt(Instant.parse("2023-05-08T13:56:00Z"))
                .setReceivedAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setMetadata(Map.of("speaker", "Alice"))
                .build();

        byte[] bytes = serde.serialize(event);

        assertThat(bytes[0]).isEqualTo((byte) 0);
        int id = java.nio.ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(client.latest("memory.events-value").id()).isEqualTo(id);
        // a second client, with an empty cache, resolves the writer schema over HTTP
        var fresh = Topics.MEMORY_EVENTS.valueSerde(dev.memlog.schemas.serde.AvroFormat.plain(new SchemaRegistryClient(server.url(), TestCredentials.serviceAuthorization())));
        assertThat(fresh.deserialize(bytes)).isEqualTo(event);
    }

    @Test
    void bytesWithoutTheMagicByteAreRefused() {
        var serde = Topics.MEMORY_EVENTS.valueSerde(dev.memlog.schemas.serde.AvroFormat.plain(client));
        assertThatThrownBy(() -> serde.deserialize(new byte[] {1, 0, 0, 0, 1, 2}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("magic byte");
    }

    @Test
    void registeringTheSameSchemaTwiceKeepsItsIdAndVersion() {
        int first = client.register("same-value", user());
        int second = new SchemaRegistryClient(server.url(), TestCredentials.serviceAuthorization()).register("same-value", user());
        assertThat(second).isEqualTo(first);
        assertThat(client.latest("same-value").version()).isEqualTo(1);
    }

    @Test
    void backwardCompatibleChangeIsAcceptedAsTheNextVersion() {
        client.register("evolve-ok-value", user());
        assertThat(client.isCompatible("evolve-ok-value", user("optional-email"))).isTrue();

        int id = client.register("evolve-ok-value", user("optional-email"));

        var latest = client.latest("evolve-ok-value");
        assertThat(latest.version()).isEqualTo(2);
        assertThat(latest.id()).isEqualTo(id);
        assertThat(latest.schema().getField("email")).isNotNull();
    }

    @Test
    void incompatibleChangeIsRefusedWith409() {
        client.register("evolve-bad-value", user());
        assertThat(client.isCompatible("evolve-bad-value", user("required-age"))).isFalse();

        assertThatThrownBy(() -> client.register("evolve-bad-value", user("required-age")))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.getMessage()).contains("incompatible");
                });
        assertThat(client.latest("evolve-bad-value").version()).isEqualTo(1);
    }

    @Test
    void compatibilityNoneAcceptsWhatBackwardRefuses() {
        client.register("relaxed-value", user());
        client.setCompatibility("relaxed-value", "NONE");
        client.register("relaxed-value", user("required-age"));
        assertThat(client.latest("relaxed-value").version()).isEqualTo(2);
    }

    @Test
    void stateIsRebuiltFromTheTopicAfterARestart() {
        int id = client.register("durable-value", user("optional-email"));
        client.setCompatibility("durable-value", "FULL");

        try (var second = startRegistry()) {
            var other = new SchemaRegistryClient(second.url(), TestCredentials.serviceAuthorization());
            assertThat(other.latest("durable-value").id()).isEqualTo(id);
            assertThat(other.schemaById(id)).isEqualTo(user("optional-email"));
            assertThat(other.subjects()).contains("durable-value");
            assertThatThrownBy(() -> other.register("durable-value", user("required-age")))
                    .isInstanceOf(SchemaRegistryException.class);
        }
    }

    @Test
    void errorsUseTheConfluentErrorCodes() throws Exception {
        var http = HttpClient.newHttpClient();
        var missing = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/subjects/nope/versions/latest"))
                        .header("Authorization", TestCredentials.serviceAuthorization()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("\"error_code\":40401");

        var invalid = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/subjects/x-value/versions"))
                        .header("Content-Type", SchemaRegistryClient.CONTENT_TYPE)
                        .header("Authorization", TestCredentials.serviceAuthorization())
                        .POST(HttpRequest.BodyPublishers.ofString("{\"schema\":\"{not avro\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(invalid.statusCode()).isEqualTo(422);
        assertThat(invalid.body()).contains("\"error_code\":42201");

        var unknownId = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/schemas/ids/99999"))
                        .header("Authorization", TestCredentials.serviceAuthorization()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknownId.statusCode()).isEqualTo(404);
        assertThat(unknownId.body()).contains("\"error_code\":40403");
    }

    @Test
    void everyRouteWantsTheServiceCredentialAndOnlyTheProbesAreOpen() throws Exception {
        var http = HttpClient.newHttpClient();
        for (String path : java.util.List.of("/subjects", "/schemas/ids/1", "/config", "/subjects/x-value/versions/latest")) {
            var none = http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).build(), HttpResponse.BodyHandlers.ofString());
            var wrong = http.send(HttpRequest.newBuilder(URI.create(server.url() + path)).header("Authorization", "Bearer nope")
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(none.statusCode()).as(path).isEqualTo(401);
            assertThat(wrong.statusCode()).as(path).isEqualTo(401);
            assertThat(none.body()).contains("missing credential");
        }
        var write = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/config")).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"NONE\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(write.statusCode()).isEqualTo(401);
        assertThat(client.subjects()).doesNotContain("anything-new");
        // what Confluent-compatible clients send: the token as the password of Basic credentials
        String basic = java.util.Base64.getEncoder().encodeToString(("memlog:" + TestCredentials.SERVICE_TOKEN)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        var confluent = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/subjects")).header("Authorization", "Basic " + basic)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(confluent.statusCode()).isEqualTo(200);
        var probe = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/health/live")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(probe.statusCode()).isEqualTo(200);
    }
}
