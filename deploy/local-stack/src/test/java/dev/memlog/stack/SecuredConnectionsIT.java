package dev.memlog.stack;

import dev.memlog.client.MemoryClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.config.Env;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.http.Json;
import dev.memlog.consolidation.ConsolidationService;
import dev.memlog.ingest.IngestService;
import dev.memlog.query.QueryService;
import dev.memlog.registry.SchemaRegistryServer;
import dev.memlog.schemas.KafkaConnection;
import dev.memlog.schemas.sealing.KeyEncryptionKey;
import dev.memlog.testkit.InProcessKafkaBroker;
import dev.memlog.query.OpenSearchConnection;
import dev.memlog.query.OpenSearchRest;
import dev.memlog.schemas.TrustedCertificates;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import dev.memlog.schemas.registry.SchemaRegistryException;
import dev.memlog.testkit.OpenSearchNode;
import dev.memlog.testkit.SecuredOpenSearchNode;
import dev.memlog.testkit.SelfSignedCertificate;
import dev.memlog.testkit.TlsGateway;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import dev.memlog.testkit.TestCredentials;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform on the connections production clusters require, every service configured by environment variables
 * alone: a Kafka cluster that takes only SASL_SSL (SCRAM-SHA-512, a TLS certificate of its own, KAFKA_*), an OpenSearch
 * node behind its security plugin (HTTPS with a private CA, basic auth: OPENSEARCH_*), and a schema registry reached
 * over TLS with basic auth (a gateway in front of it: SCHEMA_REGISTRY_*). A turn appended over HTTP is found by
 * search, so every producer, the Streams app, the materializer, the admin clients, the key store, the index client and
 * every registry client connected with those settings.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredConnectionsIT {
    static final String KEY = "secured-kafka-key-0123456789abcdef";
    static final String REGISTRY_USER = "memlog-services";
    static TlsGateway registryGateway;
    static SecuredOpenSearchNode search;

    @TempDir
    static Path dir;
    static final Deque<AutoCloseable> started = new ArrayDeque<>();
    static InProcessKafkaBroker kafka;
    static MemoryClient client;

    @BeforeAll
    static void start() throws Exception {
        // OpenSearch starts in its own JVM meanwhile: it is the slowest part and needs no Kafka
        var openSearch = CompletableFuture.supplyAsync(() -> OpenSearchNode.startSecured(dir.resolve("opensearch")));
        started.push(() -> openSearch.thenAccept(OpenSearchNode::close).join());
        try {
            kafka = InProcessKafkaBroker.startSecured(dir.resolve("kafka"));
            started.push(kafka);
            Map<String, String> security = kafka.clientSettings();
            Path kek = dir.resolve("keys").resolve("kek.json");
            KeyEncryptionKey.generateIfAbsent(kek);
            Map<String, String> vars = new HashMap<>(Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "KAFKA_SECURITY_PROTOCOL", security.get("security.protocol"),
                    "KAFKA_SASL_MECHANISM", security.get("sasl.mechanism"),
                    "KAFKA_SASL_JAAS_CONFIG", security.get("sasl.jaas.config"),
                    "KAFKA_SSL_TRUSTSTORE_LOCATION", security.get("ssl.truststore.location"),
                    "KAFKA_SSL_TRUSTSTORE_PASSWORD", security.get("ssl.truststore.password"),
                    "KAFKA_SSL_TRUSTSTORE_TYPE", security.get("ssl.truststore.type"),
                    "ENCRYPTION_KEK_FILE", kek.toString(),
                    "SERVICE_TOKEN", TestCredentials.SERVICE_TOKEN,
                    "HTTP_HOST", "127.0.0.1"));
            vars.putAll(Map.of("SCHEMA_REGISTRY_PORT", "0", "INGEST_PORT", "0", "CONSOLIDATION_PORT", "0", "QUERY_PORT", "0",
                    "API_KEYS", KEY + "=acme;scopes=read+write+feedback+admin",
                    "TOPIC_PARTITIONS", "2", "TOPIC_REPLICATION_FACTOR", "1", "STREAMS_STANDBY_REPLICAS", "0",
                    "STREAMS_STATE_DIR", dir.resolve("streams").toString(), "SUMMARIZER", "none"));
            Env env = new Env(vars);

            var registry = new SchemaRegistryServer(SchemaRegistryServer.Config.from(env));
            started.push(registry);
            // TLS and basic auth in front of the registry, as a managed registry's gateway is: it presents the
            // registry's own credential upstream, so nothing but the gateway can reach the services' registry
            var certificate = SelfSignedCertificate.in(dir.resolve("registry-tls"));
            String registryPassword = "pw-" + java.util.UUID.randomUUID();
            registryGateway = new TlsGateway(registry.url(), certificate, REGISTRY_USER, registryPassword,
                    TestCredentials.serviceAuthorization());
            started.push(registryGateway);
            env = env.with(Map.of("SCHEMA_REGISTRY_URL", registryGateway.url(),
                    "SCHEMA_REGISTRY_AUTHORIZATION", basic(REGISTRY_USER, registryPassword),
                    "SCHEMA_REGISTRY_CA_FILE", certificate.pem().toString()));
            var ingest = new IngestService(IngestService.Config.from(env));
            started.push(ingest);
            EmbeddingProvider model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
            var consolidation = new ConsolidationService(ConsolidationService.Config.from(env), model);
            started.push(consolidation);
            search = openSearch.get(180, TimeUnit.SECONDS);
            var query = new QueryService(QueryService.Config.from(env.with(Map.of("OPENSEARCH_URL", search.url(),
                    "OPENSEARCH_USERNAME", search.username(), "OPENSEARCH_PASSWORD", search.password(),
                    "OPENSEARCH_CA_FILE", search.caCertificate().toString(),
                    "CONSOLIDATION_URL", "http://127.0.0.1:" + consolidation.port()))), model);
            started.push(query);
            client = new MemoryClient("http://127.0.0.1:" + ingest.port(), "http://127.0.0.1:" + query.port(), KEY);
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    @AfterAll
    static void stop() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("error while stopping: " + e.getMessage());
            }
        }
    }

    @Test
    @Order(1)
    void everyClientWorksOverSaslSslAndAnAppendedTurnIsFound() throws Exception {
        ObjectNode batch = Json.mapper().createObjectNode();
        var turns = batch.putArray("turns");
        // two turns: one Kafka transaction, so the transactional producers and read-committed readers are used too
        turns.addObject().put("user_id", "ann").put("session_id", "s1").put("role", "user")
                .put("content", "My cello is kept at the Vellacourt music school");
        turns.addObject().put("user_id", "ann").put("session_id", "s1").put("role", "assistant")
                .put("content", "Noted, the Vellacourt music school");
        assertThat(client.appendTurns(batch).path("event_ids")).hasSize(2);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                search("where is my cello?").toString().contains("My cello is kept at the Vellacourt music school"));
        JsonNode hits = search("where is my cello?");
        String recordId = hits.get(0).path("record_id").asText();

        // the access log (feedback is answered once Kafka has it) and the audit log (a deletion, likewise)
        client.feedback(Json.mapper().createObjectNode().put("user_id", "ann").put("signal", "used")
                .set("record_ids", Json.mapper().createArrayNode().add(recordId)));
        client.delete("ann", recordId, "test");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() ->
                !search("where is my cello?").toString().contains(recordId));
    }

    @Test
    @Order(2)
    void theIndexAndTheRegistryAreReachedOnlyOverTlsWithTheirCredentials() throws Exception {
        long forwarded = registryGateway.forwarded();
        assertThat(forwarded).as("the services' registry calls went through the gateway").isPositive();
        assertThat(registryGateway.refused()).as("none without the credential").isZero();

        // the same index client, without the password or without the CA, gets nowhere
        var noPassword = new OpenSearchConnection(URI.create(search.url()), new OpenSearchConnection.Auth.None(),
                Optional.of(search.caCertificate()));
        try (var os = new OpenSearchRest(noPassword)) {
            assertThatThrownBy(() -> os.call("GET", "/_cluster/health", null))
                    .isInstanceOfSatisfying(OpenSearchRest.OpenSearchException.class, e -> assertThat(e.status()).isEqualTo(401))
                    .hasMessageContaining("OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD");
        }
        var noCa = new OpenSearchConnection(URI.create(search.url()),
                new OpenSearchConnection.Auth.Basic(search.username(), search.password()), Optional.empty());
        try (var os = new OpenSearchRest(noCa)) {
            assertThatThrownBy(() -> os.call("GET", "/_cluster/health", null)).hasStackTraceContaining("SSL");
        }
        var right = new OpenSearchConnection(URI.create(search.url()),
                new OpenSearchConnection.Auth.Basic(search.username(), search.password()), Optional.of(search.caCertificate()));
        try (var os = new OpenSearchRest(right)) {
            assertThat(os.call("GET", "/_cluster/health", null).path("status").asText()).isIn("green", "yellow");
        }

        // a registry client with a wrong password is refused by the gateway
        var wrong = new SchemaRegistryClient(registryGateway.url(), basic(REGISTRY_USER, "wrong"),
                TrustedCertificates.sslContext(SelfSignedCertificate.in(dir.resolve("registry-tls")).pem(), "test"));
        assertThatThrownBy(wrong::subjects).isInstanceOfSatisfying(SchemaRegistryException.class,
                e -> assertThat(e.status()).isEqualTo(401));
        assertThat(registryGateway.refused()).isEqualTo(1);
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theBrokerRefusesAWrongPasswordAndAClientWithoutTheSettings() throws Exception {
        var wrong = KafkaConnection.of(kafka.bootstrapServers()).properties();
        wrong.putAll(kafka.clientSettings("not-the-password"));
        assertThatThrownBy(() -> describe(wrong, 20_000)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SaslAuthenticationException.class);

        // the listener clients are given speaks only TLS: a plaintext client gets nowhere
        assertThatThrownBy(() -> describe(KafkaConnection.of(kafka.bootstrapServers()).properties(), 3_000))
                .isInstanceOf(ExecutionException.class);

        var right = KafkaConnection.of(kafka.bootstrapServers()).properties();
        right.putAll(kafka.clientSettings());
        assertThat(describe(right, 20_000)).isEqualTo(1);
    }

    static int describe(Properties props, int timeoutMs) throws Exception {
        try (var admin = Admin.create(props)) {
            return admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs)).nodes()
                    .get(timeoutMs + 5_000L, TimeUnit.MILLISECONDS).size();
        }
    }

    static JsonNode search(String query) throws Exception {
        return client.search(Json.mapper().createObjectNode().put("query", query).put("user_id", "ann").put("k", 5))
                .path("hits");
    }
}
