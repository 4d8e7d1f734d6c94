package dev.memlog.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.common.config.Env;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A draining server says DOWN to its readiness probe and still answers everything else; the drain is a checked setting. */
class GracefulShutdownTest {
    static final String TOKEN = "service-token-0123456789abcdef0123456789";

    @Test
    void aDrainingServerIsNotReadyButStillServes() throws Exception {
        var server = ServiceServer.start("test-service", "127.0.0.1", 0, 1024, Metrics.registry("test-service"),
                Map.of("always", () -> true), new Access(List.of(new ServiceToken(TOKEN))),
                c -> ScopedRoutes.of(c, Scope.PUBLIC).get("/v1/ping", ctx -> ctx.result("pong")));
        try {
            var http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.port();
            assertThat(get(http, base + "/health/ready").statusCode()).isEqualTo(200);
            server.drain();
            var ready = get(http, base + "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(Json.mapper().readTree(ready.body()).path("checks").path("shutdown").path("status").asText()).isEqualTo("DOWN");
            assertThat(get(http, base + "/health/live").statusCode()).as("alive: not to be restarted").isEqualTo(200);
            assertThat(get(http, base + "/v1/ping").body()).as("requests still served").isEqualTo("pong");
        } finally {
            server.close();
        }
    }

    static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theDrainIsFiveSecondsUnlessSet() {
        assertThat(GracefulShutdown.drain(new Env(Map.of()))).isEqualTo(Duration.ofSeconds(5));
        assertThat(GracefulShutdown.drain(new Env(Map.of("SHUTDOWN_DRAIN_SECONDS", " 0 ")))).isEqualTo(Duration.ZERO);
        assertThat(GracefulShutdown.drain(new Env(Map.of("SHUTDOWN_DRAIN_SECONDS", "300")))).isEqualTo(Duration.ofSeconds(300));
        assertThat(GracefulShutdown.drain(new Env(Map.of("SHUTDOWN_DRAIN_SECONDS", "5\n")))).as("a value from a file, with its newline").isEqualTo(Duration.ofSeconds(5));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "301", "5s", "1e3", "9999999999999999999999", "5 5", ".*", "\u0000"})
    void aDrainThatIsNotWholeSecondsUpToFiveMinutesIsRefusedNamingTheSetting(String value) {
        assertThatThrownBy(() -> GracefulShutdown.drain(new Env(Map.of("SHUTDOWN_DRAIN_SECONDS", value))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SHUTDOWN_DRAIN_SECONDS");
    }
}
