package dev.memlog.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.sealing.KeyEncryptionKey;
import dev.memlog.testkit.ChildProcessKafkaCluster;
import dev.memlog.testkit.ChildProcessOpenSearchNode;
import dev.memlog.testkit.FreePorts;
import dev.memlog.testkit.TestCredentials;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each service started from the distribution the build makes, as a platform team runs it: its start script, a process
 * of its own, configured by environment variables only. A turn appended is searchable; SIGTERM turns readiness DOWN
 * while requests are still answered, the consumer groups are left, and every process exits 0.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DistributionIT {
    static final String KEY = "dist-key-0123456789abcdef";
    static final Duration DRAIN = Duration.ofSeconds(3);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @TempDir
    static Path dir;
    static ChildProcessKafkaCluster kafka;
    static ChildProcessOpenSearchNode openSearch;
    static final Map<String, Process> services = new LinkedHashMap<>();
    static final Map<String, Integer> ports = new LinkedHashMap<>();
    /** Health and metrics on a port of their own, as the images and the chart run them. */
    static final Map<String, Integer> managementPorts = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        kafka = ChildProcessKafkaCluster.start(dir.resolve("kafka"), 1);
        int openSearchPort = FreePorts.next();
        openSearch = ChildProcessOpenSearchNode.start(dir.resolve("opensearch"), openSearchPort);
        Path kek = dir.resolve("kek.json");
        KeyEncryptionKey.generateIfAbsent(kek);
        for (String name : List.of("registry", "ingest", "consolidation", "query")) {
            ports.put(name, FreePorts.next());
            managementPorts.put(name, FreePorts.next());
        }
        Map<String, String> common = new LinkedHashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SCHEMA_REGISTRY_URL", url("registry"), "HTTP_HOST", "127.0.0.1", "API_KEYS", KEY + "=acme",
                "SERVICE_TOKEN", TestCredentials.SERVICE_TOKEN, "ENCRYPTION_KEK_FILE", kek.toString(),
                "SHUTDOWN_DRAIN_SECONDS", Long.toString(DRAIN.toSeconds()), "LOG_FORMAT", "text"));
        common.put("TOPIC_PARTITIONS", "2");
        common.put("TOPIC_REPLICATION_FACTOR", "1");
        common.put("TOPIC_MIN_INSYNC_REPLICAS", "1");
        start("registry", "memlog-schema-registry", common, Map.of("SCHEMA_REGISTRY_PORT", port("registry")), "192m");
        await("registry ready").atMost(Duration.ofSeconds(120)).until(() -> FaultScenarios.status(management("registry") + "/health/ready") == 200);
        start("ingest", "memlog-ingest", common, Map.of("INGEST_PORT", port("ingest")), "256m");
        start("consolidation", "memlog-consolidation", common, Map.of("CONSOLIDATION_PORT", port("consolidation"),
                "CONSOLIDATION_ADVERTISED_SERVER", "127.0.0.1:" + port("consolidation"),
                "STREAMS_STATE_DIR", dir.resolve("streams").toString()), "640m");
        start("query", "memlog-query", common, Map.of("QUERY_PORT", port("query"), "OPENSEARCH_URL",
                "http://127.0.0.1:" + openSearchPort, "CONSOLIDATION_URL", url("consolidation")), "640m");
        for (String name : services.keySet()) {
            await(name + " ready").atMost(Duration.ofSeconds(180)).until(() -> {
                assertThat(services.get(name).isAlive()).as(name + " running; see " + dir.resolve(name + ".log")).isTrue();
                return FaultScenarios.status(management(name) + "/health/ready") == 200;
            });
        }
    }

    static void start(String name, String distribution, Map<String, String> common, Map<String, String> own, String heap)
            throws Exception {
        Path home = Path.of(System.getProperty("memlog.distributions")).resolve(distribution);
        Path script = home.resolve("bin").resolve(distribution);
        assertThat(script).exists();
        var builder = new ProcessBuilder("sh", script.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        builder.environment().putAll(common);
        builder.environment().putAll(own);
        builder.environment().put("MANAGEMENT_PORT", Integer.toString(managementPorts.get(name)));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("JAVA_OPTS", "-Xmx" + heap + " -XX:+UseSerialGC -Djava.net.preferIPv4Stack=true -Djava.io.tmpdir="
                + Files.createDirectories(dir.resolve("tmp-" + name)));
        services.put(name, builder.start());
    }

    @AfterAll
    static void stop() {
        services.values().forEach(p -> p.destroyForcibly());
        if (openSearch != null) {
            openSearch.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static String management(String name) {
        return "http://127.0.0.1:" + managementPorts.get(name);
    }

    @Test
    @Order(1)
    void eachServiceKeepsHealthAndMetricsOnItsManagementPortAndLogsItsConfigurationWithoutSecrets() throws Exception {
        for (String name : services.keySet()) {
            assertThat(FaultScenarios.status(management(name) + "/metrics")).as(name + " metrics").isEqualTo(200);
            assertThat(FaultScenarios.status(url(name) + "/health/ready")).as(name + " API port").isEqualTo(404);
            String log = content(dir.resolve(name + ".log"));
            assertThat(log).as(name + " configuration logged").contains("configuration {").contains("MANAGEMENT_PORT="
                    + managementPorts.get(name)).contains("SERVICE_TOKEN=(redacted)").doesNotContain(TestCredentials.SERVICE_TOKEN);
        }
        // the distribution's health command, for Docker's and Compose's health checks
        Path healthcheck = Path.of(System.getProperty("memlog.distributions")).resolve("memlog-ingest/bin/memlog-healthcheck");
        var check = new ProcessBuilder("sh", healthcheck.toString(), Integer.toString(managementPorts.get("ingest")))
                .redirectErrorStream(true);
        check.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process ready = check.start();
        assertThat(ready.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(ready.exitValue()).as(new String(ready.getInputStream().readAllBytes())).isZero();
    }

    @Test
    @Order(2)
    void startedFromTheirDistributionsTheServicesServeAndStopGracefullyOnSigterm() throws Exception {
        var appended = post(url("ingest") + "/v1/turns", "{\"user_id\":\"dana\",\"session_id\":\"s1\",\"role\":\"user\","
                + "\"content\":\"My allotment is beside the old railway bridge\"}");
        assertThat(appended.statusCode()).as(appended.body()).isEqualTo(202);
        await("searchable").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() ->
                search("where is my allotment").path("hits").toString().contains("railway bridge"));

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            assertThat(members(admin, "memlog-consolidation")).as("consolidation in its group").isPositive();
            assertThat(members(admin, "memlog-query-materializer")).as("the materializer in its group").isPositive();
            // readers first, then the writers they depend on
            for (String name : List.of("query", "consolidation", "ingest", "registry")) {
                Process process = services.get(name);
                long signalled = System.nanoTime();
                process.destroy(); // SIGTERM
                await(name + " not ready").atMost(DRAIN).pollInterval(Duration.ofMillis(50))
                        .until(() -> FaultScenarios.status(management(name) + "/health/ready") == 503);
                if (name.equals("query")) {
                    assertThat(search("allotment").path("hits").toString()).as("answered while draining").contains("railway bridge");
                }
                if (name.equals("ingest")) {
                    assertThat(post(url("ingest") + "/v1/turns", "{\"user_id\":\"dana\",\"session_id\":\"s1\",\"role\":\"user\","
                            + "\"content\":\"One more while it drains\"}").statusCode()).as("taken while draining").isEqualTo(202);
                }
                assertThat(process.waitFor(90, TimeUnit.SECONDS)).as(name + " exited").isTrue();
                assertThat(process.exitValue()).as(name + " exit status; see " + dir.resolve(name + ".log")).isZero();
                assertThat(Duration.ofNanos(System.nanoTime() - signalled)).as(name + " served its drain period").isGreaterThanOrEqualTo(DRAIN);
                if (name.equals("query")) {
                    assertThat(members(admin, "memlog-query-materializer")).as("the materializer left its group").isZero();
                }
                if (name.equals("consolidation")) {
                    assertThat(members(admin, "memlog-consolidation")).as("consolidation left its group").isZero();
                }
            }
        }
        // each closed everything before exiting (a process ending halfway through closing also exits 0)
        Map<String, String> logged = Map.of("registry", "schema-registry", "ingest", "ingest-service",
                "consolidation", "consolidation-streams", "query", "query-service");
        logged.forEach((name, service) -> assertThat(content(dir.resolve(name + ".log"))).as(name).contains(service + " stopped"));
    }

    static String content(Path log) {
        try {
            return Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static int members(Admin admin, String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group).members().size();
    }

    static JsonNode search(String query) throws Exception {
        var response = post(url("query") + "/v1/search", Json.mapper().createObjectNode().put("query", query)
                .put("user_id", "dana").put("reinforce", false).toString());
        return response.statusCode() == 200 ? Json.mapper().readTree(response.body()) : Json.mapper().createObjectNode();
    }

    static HttpResponse<String> post(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header(ApiKeys.HEADER, KEY).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String port(String name) {
        return Integer.toString(ports.get(name));
    }

    static String url(String name) {
        return "http://127.0.0.1:" + ports.get(name);
    }
}
