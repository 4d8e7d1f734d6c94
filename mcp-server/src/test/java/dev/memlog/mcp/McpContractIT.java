package dev.memlog.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.Json;
import dev.memlog.common.http.OpenApiContract;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * mcp-server against its OpenAPI document: every route documented with its scopes and nothing else, every documented
 * operation answered by its route, and real answers (JSON-RPC results, notifications, refusals) as documented. Its
 * tools' services are not running here: a tool call is still answered, as a tool error, and readiness says DOWN.
 */
class McpContractIT {
    static final String AGENT = "contract-agent-key-0123456789";
    static final String ERASER = "contract-eraser-key-0123456789";
    static final OpenApiContract CONTRACT = OpenApiContract.load(McpRoutes.SPEC);
    static McpService mcp;
    static String base;

    @BeforeAll
    static void start() {
        var keys = ApiKeys.load(AGENT + "=acme;agent=desk;users=*\n" + ERASER + "=acme;scopes=erase", null);
        mcp = new McpService(McpService.Config.local(0, "http://127.0.0.1:1", "http://127.0.0.1:1", keys, null));
        base = "http://127.0.0.1:" + mcp.port();
    }

    @AfterAll
    static void stop() {
        mcp.close();
    }

    @Test
    void theDocumentParsesCleanlyAsOpenApi31AndKeepsTheConventions() {
        assertThat(CONTRACT.parserMessages()).isEmpty();
        assertThat(CONTRACT.conventionViolations()).isEmpty();
    }

    @Test
    void everyRouteIsDocumentedWithItsScopesAndEveryDocumentedOperationIsServed() {
        assertThat(CONTRACT.differences(mcp.routes())).isEmpty();
    }

    @Test
    void everyDocumentedOperationIsAnsweredByItsRouteAsDocumented() throws Exception {
        try (var http = HttpClient.newHttpClient()) {
            assertThat(CONTRACT.answerEveryOperation(http, base)).isEmpty();
        }
    }

    @Test
    void theDocumentServedIsTheOneTested() throws Exception {
        var served = OpenApiContract.send(base + "/openapi.json", "GET", Map.of(), null);
        assertThat(Json.mapper().readTree(served.body())).isEqualTo(CONTRACT.document());
    }

    record Sample(String name, String method, String operation, String key, String body, int status, String expect) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final String CALL = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"search_memory\","
            + "\"arguments\":{\"query\":\"where does ann live?\",\"user_id\":\"ann\"}}}";

    static Stream<Sample> samples() {
        return Stream.of(
                new Sample("initialize", "POST", "/mcp", AGENT, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                        + "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}",
                        200, "\"serverInfo\""),
                new Sample("the tools", "POST", "/mcp", AGENT, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}", 200,
                        "\"delete_memory\""),
                new Sample("a call whose service is down", "POST", "/mcp", AGENT, CALL, 200, "memory is unavailable right now"),
                new Sample("a call the key may not make", "POST", "/mcp", AGENT, CALL.replace("search_memory", "nonexistent_tool"), 200,
                        "\"error\""),
                new Sample("a notification", "POST", "/mcp", AGENT, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", 202, ""),
                new Sample("malformed JSON", "POST", "/mcp", AGENT, "{\"jsonrpc\": ", 400, "\"field\":\"body\""),
                new Sample("a batch", "POST", "/mcp", AGENT, "[" + CALL + "]", 400, "\"field\":\"body\""),
                new Sample("not JSON-RPC", "POST", "/mcp", AGENT, "{\"method\":\"tools/list\"}", 400, "jsonrpc"),
                new Sample("hostile text", "POST", "/mcp", AGENT, "\u0000\u001b[31m$(reboot)\\", 400, "\"field\":\"body\""),
                new Sample("no credential", "POST", "/mcp", null, CALL, 401, "\"error\""),
                new Sample("an unknown key", "POST", "/mcp", "nobody-issued-this-key-0123", CALL, 401, "\"error\""),
                new Sample("a key with no tool's scope", "POST", "/mcp", ERASER, CALL, 403, "\"error\""),
                new Sample("a body over the limit", "POST", "/mcp", AGENT, CALL.replace("where does", "x".repeat(1 << 20)), 413, "\"error\""),
                new Sample("an event stream", "GET", "/mcp", AGENT, null, 405, "no sessions"),
                new Sample("readiness without its services", "GET", "/health/ready", null, null, 503, "DOWN"),
                new Sample("liveness", "GET", "/health/live", null, null, 200, "UP"),
                new Sample("metrics", "GET", "/metrics", null, null, 200, "memlog_mcp_tool_calls"),
                new Sample("the document", "GET", "/openapi.json", null, null, 200, "3.1.0"),
                new Sample("Swagger UI", "GET", "/docs", null, null, 200, "swagger"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void aRealAnswerIsWhatTheDocumentSays(Sample sample) throws Exception {
        var response = OpenApiContract.send(base + sample.operation(), sample.method(),
                sample.key() == null ? Map.of() : Map.of(ApiKeys.HEADER, sample.key()), sample.body());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(sample.status());
        assertThat(response.body()).contains(sample.expect());
        assertThat(CONTRACT.violations(sample.method(), sample.operation(), response)).isEmpty();
    }
}
