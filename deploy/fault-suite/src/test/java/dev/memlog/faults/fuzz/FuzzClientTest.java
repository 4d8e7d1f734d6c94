package dev.memlog.faults.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import java.util.Map;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fuzz judges the server's answers, not the race between a server's idle close and the client reusing that connection. */
class FuzzClientTest {
    private static final int IDLE_MS = 100;
    private Javalin server;

    @BeforeEach
    void start() {
        server = Javalin.create(config -> config.routes.patch("/config/x", ctx -> ctx.json(Map.of("compatibility", "BACKWARD"))))
                .start("127.0.0.1", 0);
        for (var connector : server.jettyServer().server().getConnectors()) {
            ((ServerConnector) connector).setIdleTimeout(IDLE_MS);
        }
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void aRequestSentAsTheServerClosesItsIdleConnectionIsResentAndJudgedOnItsAnswer() throws Exception {
        var tally = new FuzzTally();
        var client = new FuzzClient(new FuzzClient.Targets(Map.of("registry", "http://127.0.0.1:" + server.port()), "key",
                "Bearer token"), tally);
        var patch = new FuzzRequest("registry", "PATCH", "/config/x", "application/json",
                "{\"compatibility\":\"BACKWARD\"}".getBytes(), "method PATCH");
        // sweep the pause across the server's idle timeout so that some requests meet a connection being closed
        for (int i = 0; i < 60; i++) {
            client.send(patch);
            Thread.sleep(IDLE_MS - 8 + i % 16);
        }

        assertThat(tally.problems()).as("answers that broke a rule").isEmpty();
        assertThat(tally.requests()).isEqualTo(60);
    }

    @Test
    void onlyAConnectionClosedBeforeAnyAnswerCountsAsClosedWhileIdle() {
        assertThat(FuzzClient.closedWhileIdle(new java.io.IOException("HTTP/1.1 header parser received no bytes"))).isTrue();
        assertThat(FuzzClient.closedWhileIdle(new java.io.IOException("connection reset"))).isFalse();
        assertThat(FuzzClient.closedWhileIdle(new java.io.IOException((String) null))).isFalse();
    }
}
