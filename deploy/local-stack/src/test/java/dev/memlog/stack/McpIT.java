package dev.memlog.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.Json;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An MCP client (the SDK's own, over streamable HTTP) lists memory's tools, adds a memory, searches it back and deletes
 * it, every call scoped by its credential: another tenant's credential, or another agent's, never sees it.
 */
class McpIT {
    /** The desk agent of acme, serving any of acme's users. */
    static final String DESK = "desk-acme-key-0123456789abcdef";
    static final String DESK_OF_GLOBEX = "desk-globex-key-0123456789abcd";
    static final String PLANNER = "planner-acme-key-0123456789abc";
    static final String DESK_READER = "desk-reader-key-0123456789abcd";
    static final String UNBOUND = "unbound-acme-key-0123456789abc";

    @TempDir
    static Path dir;
    static LocalStack stack;
    static final List<McpSyncClient> clients = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        var keys = ApiKeys.load(String.join("\n", DESK + "=acme;agent=desk;users=*", DESK_OF_GLOBEX + "=globex;agent=desk;users=*",
                PLANNER + "=acme;agent=planner", DESK_READER + "=acme;agent=desk;users=*;scopes=read",
                UNBOUND + "=acme"), null);
        stack = new LocalStack(LocalStack.Config.freePorts(dir, keys, Map.of("SUMMARIZER", "none")), line -> { });
    }

    @AfterAll
    static void stop() {
        clients.forEach(McpSyncClient::closeGracefully);
        stack.close();
    }

    static McpSyncClient connect(String key) {
        URI endpoint = URI.create(stack.mcpUrl());
        var transport = HttpClientStreamableHttpTransport.builder(endpoint.resolve("/").toString()).endpoint(endpoint.getPath())
                .requestBuilder(HttpRequest.newBuilder().header(ApiKeys.HEADER, key)).build();
        var client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60)).build();
        client.initialize();
        clients.add(client);
        return client;
    }

    static CallToolResult call(McpSyncClient client, String tool, Map<String, Object> arguments) {
        return client.callTool(new CallToolRequest(tool, arguments));
    }

    static JsonNode json(CallToolResult result) throws Exception {
        assertThat(result.isError()).as(text(result)).isNotEqualTo(Boolean.TRUE);
        return Json.mapper().readTree(text(result));
    }

    static String text(CallToolResult result) {
        return result.content().stream().map(c -> c instanceof McpSchema.TextContent t ? t.text() : c.toString())
                .collect(Collectors.joining());
    }

    static List<String> texts(JsonNode search) {
        List<String> texts = new ArrayList<>();
        search.path("hits").forEach(h -> texts.add(h.path("text").asText()));
        return texts;
    }

    @Test
    void theToolsAreListedWithTheHintsHostsUseToAskForApproval() {
        var tools = connect(DESK).listTools().tools();
        assertThat(tools).extracting(McpSchema.Tool::name).containsExactlyInAnyOrder("add_memory", "add_messages",
                "search_memory", "get_context", "get_working_memory", "list_memories", "get_memory_history",
                "report_memory_use", "delete_memory");
        for (var tool : tools) {
            boolean read = tool.name().startsWith("search") || tool.name().startsWith("get") || tool.name().startsWith("list");
            assertThat(tool.annotations().readOnlyHint()).as(tool.name()).isEqualTo(read);
            assertThat(tool.annotations().destructiveHint()).as(tool.name()).isEqualTo(tool.name().equals("delete_memory"));
            @SuppressWarnings("unchecked")
            var properties = (Map<String, Object>) tool.inputSchema().get("properties");
            assertThat(properties).as(tool.name() + " takes no tenant and no agent")
                    .doesNotContainKeys("tenant", "tenant_id", "agent_id");
        }
    }

    @Test
    void aMemoryAddedIsFoundByItsOwnerOnlyAndDeletedForGood() throws Exception {
        var desk = connect(DESK);
        json(call(desk, "add_memory", Map.of("text", "The gym locker code is 5521.", "user_id", "ann")));
        List<JsonNode> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode hits = json(call(desk, "search_memory", Map.of("query", "gym locker code", "user_id", "ann")));
            hits.path("hits").forEach(h -> {
                if (h.path("text").asText().contains("5521")) {
                    found.add(h);
                }
            });
            return !found.isEmpty();
        });
        String recordId = found.getFirst().path("record_id").asText();
        assertThat(found.getFirst().path("agent_id").asText("desk")).isEqualTo("desk");

        // the same question from another tenant's desk agent, and from acme's planner agent: nothing of it
        var globex = connect(DESK_OF_GLOBEX);
        assertThat(texts(json(call(globex, "search_memory", Map.of("query", "gym locker code", "user_id", "ann")))))
                .noneMatch(t -> t.contains("5521"));
        assertThat(json(call(globex, "list_memories", Map.of("user_id", "ann"))).path("memories")).isEmpty();
        assertThat(call(globex, "get_memory_history", Map.of("record_id", recordId, "user_id", "ann")).isError()).isTrue();
        // acme's planner agent, not granted ann: its own memories, and its own share of ann's, hold nothing of it
        var planner = connect(PLANNER);
        for (var arguments : List.of(Map.<String, Object>of("query", "gym locker code"),
                Map.<String, Object>of("query", "gym locker code", "user_id", "ann"))) {
            assertThat(texts(json(call(planner, "search_memory", arguments)))).noneMatch(t -> t.contains("5521"));
        }
        var refused = call(planner, "list_memories", Map.of());
        assertThat(json(refused).path("memories").findValuesAsText("text")).noneMatch(t -> t.contains("5521"));

        // the owner lists it, and deletes it; the deletion is in its history, and search no longer finds it
        assertThat(json(call(desk, "list_memories", Map.of("user_id", "ann", "tier", "semantic"))).path("memories")
                .findValuesAsText("record_id")).contains(recordId);
        JsonNode deleted = json(call(desk, "delete_memory", Map.of("record_id", recordId, "user_id", "ann",
                "reason", "ann asked to forget it")));
        assertThat(deleted.path("record_id").asText()).isEqualTo(recordId);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
                json(call(desk, "search_memory", Map.of("query", "gym locker code", "user_id", "ann"))).path("hits")
                        .findValuesAsText("record_id").stream().noneMatch(recordId::equals));
        await().atMost(Duration.ofSeconds(30)).until(() -> json(call(desk, "get_memory_history",
                Map.of("record_id", recordId, "user_id", "ann"))).path("versions").findValuesAsText("change").contains("DELETED"));
    }

    @Test
    void aConversationRecordedIsInWorkingMemoryAndInAContextPackWithinItsBudget() throws Exception {
        var desk = connect(DESK);
        JsonNode appended = json(call(desk, "add_messages", Map.of("user_id", "bob", "session_id", "trip", "messages", List.of(
                Map.of("role", "user", "content", "I am flying to Porto on the ninth of March."),
                Map.of("role", "assistant", "content", "Noted: Porto, the ninth of March.")))));
        assertThat(appended.toString()).contains("event_id");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
                json(call(desk, "get_working_memory", Map.of("user_id", "bob", "session_id", "trip"))).toString().contains("Porto"));
        JsonNode[] pack = new JsonNode[1];
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            pack[0] = json(call(desk, "get_context", Map.of("query", "where is bob flying?", "user_id", "bob", "budget_tokens", 200)));
            return pack[0].path("context").asText().contains("Porto");
        });
        assertThat(pack[0].path("tokens").asInt()).isBetween(1, 200);
        String used = pack[0].path("items").get(0).path("record_id").asText();
        JsonNode reported = json(call(desk, "report_memory_use", Map.of("user_id", "bob", "record_ids", List.of(used))));
        assertThat(reported.toString()).isNotBlank();
    }

    @Test
    void aToolTheCredentialMayNotCallOrBadArgumentsAreAToolErrorNamingWhy() throws Exception {
        var reader = connect(DESK_READER);
        var write = call(reader, "add_memory", Map.of("text", "planted"));
        assertThat(write.isError()).isTrue();
        assertThat(text(write)).contains("scope write");
        var delete = call(reader, "delete_memory", Map.of("record_id", "8a6b903c-a94e-3135-a7da-fa1be64e8f00"));
        assertThat(delete.isError()).isTrue();

        var unbound = connect(UNBOUND);
        var ownerless = call(unbound, "search_memory", Map.of("query", "anything"));
        assertThat(ownerless.isError()).isTrue();
        assertThat(text(ownerless)).contains("user_id");

        var desk = connect(DESK);
        for (var hostile : List.of(Map.<String, Object>of("query", "x", "user_id", "ann\n$(reboot)\\.*"),
                Map.<String, Object>of("query", "x", "user_id", "a".repeat(10_000)),
                Map.<String, Object>of("query", "x", "limit", "ten"),
                Map.<String, Object>of("query", 42))) {
            var result = call(desk, "search_memory", hostile);
            assertThat(result.isError()).as(hostile.toString().substring(0, Math.min(80, hostile.toString().length()))).isTrue();
            assertThat(text(result)).doesNotContain("Exception").doesNotContain("\tat ");
        }
        // text no regex or shell may read as its own: stored and searched as written
        json(call(desk, "add_memory", Map.of("text", "Path C:\\temp\\*.log and $HOME/(a|b)+? and \u0007bell", "user_id", "cy")));
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
                texts(json(call(desk, "search_memory", Map.of("query", "C:\\temp\\*.log (a|b)+?", "user_id", "cy"))))
                        .stream().anyMatch(t -> t.contains("C:\\temp\\*.log")));
    }

    @Test
    void theEndpointRefusesARequestWithoutACredentialBeforeAnyToolRuns() throws Exception {
        var http = HttpClient.newHttpClient();
        String initialize = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{}}";
        for (String key : new String[] {null, "nobody-issued-this-key-0123"}) {
            var request = HttpRequest.newBuilder(URI.create(stack.mcpUrl())).header("Content-Type", "application/json")
                    .header("Accept", "application/json, text/event-stream").POST(HttpRequest.BodyPublishers.ofString(initialize));
            if (key != null) {
                request.header(ApiKeys.HEADER, key);
            }
            var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(Json.mapper().readTree(response.body()).path("error").asText()).isNotBlank();
        }
        // no server-sent stream to open: the server keeps no sessions
        var stream = http.send(HttpRequest.newBuilder(URI.create(stack.mcpUrl())).header(ApiKeys.HEADER, DESK)
                .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(stream.statusCode()).isEqualTo(405);
    }
}
