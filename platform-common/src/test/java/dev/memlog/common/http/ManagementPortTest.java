package dev.memlog.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.common.config.Env;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** With a management port, health and metrics leave the API port; readiness is a metric; latency is a histogram. */
class ManagementPortTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void healthAndMetricsAreServedOnTheManagementPortOnly() throws Exception {
        try (var server = start(new AtomicBoolean(true))) {
            String api = "http://127.0.0.1:" + server.port();
            String management = "http://127.0.0.1:" + server.managementPort();
            assertThat(server.managementPort()).isNotEqualTo(server.port());
            for (String path : List.of("/health/ready", "/health/live", "/health/started", "/metrics")) {
                assertThat(GracefulShutdownTest.get(http, management + path).statusCode()).as(path).isEqualTo(200);
                assertThat(GracefulShutdownTest.get(http, api + path).statusCode()).as("API port " + path).isEqualTo(404);
            }
            assertThat(GracefulShutdownTest.get(http, api + "/v1/ping").body()).isEqualTo("pong");
            var notThere = GracefulShutdownTest.get(http, management + "/v1/ping");
            assertThat(notThere.statusCode()).isEqualTo(404);
            assertThat(Json.mapper().readTree(notThere.body()).path("error").asText()).contains("management port");
        }
    }

    @Test
    void withoutAManagementPortTheApiPortServesHealthAndMetrics() throws Exception {
        try (var server = ServiceServer.start("test-service", ServiceServer.Listen.api("127.0.0.1", 0), 1024,
                Metrics.registry("test-service"), Health.ready(Map.of()), access(), c -> { })) {
            assertThat(server.managementPort()).isEqualTo(server.port());
            assertThat(GracefulShutdownTest.get(http, "http://127.0.0.1:" + server.port() + "/metrics").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void readinessIsAGaugeThatFollowsTheChecksAndTheDrain() throws Exception {
        var up = new AtomicBoolean(true);
        try (var server = start(up)) {
            String management = "http://127.0.0.1:" + server.managementPort();
            assertThat(scrape(management)).contains("memlog_ready{service=\"test-service\"} 1.0");
            up.set(false);
            assertThat(GracefulShutdownTest.get(http, management + "/health/ready").statusCode()).isEqualTo(503);
            assertThat(scrape(management)).contains("memlog_ready{service=\"test-service\"} 0.0");
            up.set(true);
            GracefulShutdownTest.get(http, management + "/health/ready");
            server.drain();
            GracefulShutdownTest.get(http, management + "/health/ready");
            assertThat(scrape(management)).contains("memlog_ready{service=\"test-service\"} 0.0");
        }
    }

    @Test
    void requestLatencyIsAHistogramWithFixedBuckets() throws Exception {
        try (var server = start(new AtomicBoolean(true))) {
            GracefulShutdownTest.get(http, "http://127.0.0.1:" + server.port() + "/v1/ping");
            String metrics = scrape("http://127.0.0.1:" + server.managementPort());
            assertThat(metrics).contains("http_server_requests_seconds_bucket{")
                    .containsPattern("http_server_requests_seconds_bucket\\{.*route=\"/v1/ping\".*le=\"0\\.1\"")
                    .doesNotContain("quantile=");
        }
    }

    @Test
    void theManagementPortIsReadFromTheEnvironment() {
        assertThat(ServiceServer.Listen.from(new Env(Map.of()), 8080).managementPort()).isEmpty();
        assertThat(ServiceServer.Listen.from(new Env(Map.of("MANAGEMENT_PORT", "9464")), 8080).managementPort())
                .isEqualTo(OptionalInt.of(9464));
        assertThat(ServiceServer.Listen.from(new Env(Map.of("HTTP_HOST", "127.0.0.1")), 8080).host()).isEqualTo("127.0.0.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "65536", "http", "8080", "94 64", "9464\u0000x"})
    void aManagementPortThatIsNotAFreePortNumberIsRefusedNamingTheSetting(String value) {
        assertThatThrownBy(() -> ServiceServer.Listen.from(new Env(Map.of("MANAGEMENT_PORT", value)), 8080))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MANAGEMENT_PORT");
    }

    @Test
    void theHealthCommandExitsZeroOnlyWhileTheServiceIsReady() {
        var up = new AtomicBoolean(true);
        var out = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        try (var server = start(up)) {
            String port = Integer.toString(server.managementPort());
            assertThat(HealthCheck.run(new String[] {port}, Map.of(), out)).isZero();
            assertThat(HealthCheck.run(new String[0], Map.of("MANAGEMENT_PORT", port), out)).isZero();
            up.set(false);
            assertThat(HealthCheck.run(new String[] {port}, Map.of(), out)).isEqualTo(1);
        }
        assertThat(HealthCheck.run(new String[0], Map.of(), out)).as("no port").isEqualTo(2);
        assertThat(HealthCheck.run(new String[] {"99999"}, Map.of(), out)).isEqualTo(2);
        assertThat(HealthCheck.run(new String[] {"1"}, Map.of(), out)).as("nothing listening").isEqualTo(1);
    }

    private ServiceServer start(AtomicBoolean up) {
        return ServiceServer.start("test-service", new ServiceServer.Listen("127.0.0.1", 0, OptionalInt.of(0)), 1024,
                Metrics.registry("test-service"), Health.ready(Map.of("dependency", up::get)), access(),
                c -> ScopedRoutes.of(c, Scope.PUBLIC).get("/v1/ping", ctx -> ctx.result("pong")));
    }

    private static Access access() {
        return new Access(List.of(new ServiceToken(GracefulShutdownTest.TOKEN)));
    }

    private String scrape(String base) throws Exception {
        return GracefulShutdownTest.get(http, base + "/metrics").body();
    }
}
