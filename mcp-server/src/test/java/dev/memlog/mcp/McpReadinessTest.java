package dev.memlog.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.ApiDocs;
import dev.memlog.common.http.Health;
import dev.memlog.common.http.Metrics;
import dev.memlog.common.http.ServiceServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The MCP server is ready when the services its tools call answer on their API ports, wherever their probes are:
 * deployed with a management port of their own (as the Helm chart runs them), their API port has no /health/*.
 */
class McpReadinessTest {
    static ServiceServer service(String name) {
        return ServiceServer.start(name, new ServiceServer.Listen("127.0.0.1", 0, OptionalInt.of(0)), 1 << 20,
                Metrics.registry(name), Health.ready(Map.of()), new Access(List.of()), c -> ApiDocs.register(c, McpRoutes.SPEC));
    }

    static int readiness(McpService mcp) throws Exception {
        try (var http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mcp.port() + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }

    @Test
    void readyWhenItsServicesAnswerOnTheirApiPortsEvenWithProbesOnAManagementPort() throws Exception {
        var keys = ApiKeys.load("readiness-key-0123456789abcdef=acme", null);
        try (var ingest = service("ingest-service"); var query = service("query-service");
             var mcp = new McpService(McpService.Config.local(0, "http://127.0.0.1:" + ingest.port(),
                     "http://127.0.0.1:" + query.port(), keys, null))) {
            assertThat(ingest.managementPort()).isNotEqualTo(ingest.port());
            assertThat(readiness(mcp)).isEqualTo(200);
            query.close();
            assertThat(readiness(mcp)).as("query-service gone").isEqualTo(503);
        }
    }
}
