package dev.memlog.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.client.MemoryClient;
import dev.memlog.common.auth.Principal;
import dev.memlog.common.auth.Scope;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MemoryToolsTest {
    @Test
    void everyToolDeclaresItsRequiredArgumentsAmongItsPropertiesAndOnlyDeletionIsDestructive() {
        assertThat(MemoryTools.names()).containsExactly("add_memory", "add_messages", "search_memory", "get_context",
                "get_working_memory", "list_memories", "get_memory_history", "report_memory_use", "delete_memory");
        for (var definition : MemoryTools.definitions()) {
            McpSchema.Tool tool = definition.tool();
            @SuppressWarnings("unchecked")
            var properties = (Map<String, Object>) tool.inputSchema().get("properties");
            assertThat(properties).as(tool.name()).containsKey("user_id");
            @SuppressWarnings("unchecked")
            var required = (List<String>) tool.inputSchema().getOrDefault("required", List.of());
            assertThat(properties.keySet()).as(tool.name()).containsAll(required);
            assertThat(tool.annotations().destructiveHint()).as(tool.name()).isEqualTo(tool.name().equals("delete_memory"));
            assertThat(tool.annotations().openWorldHint()).as(tool.name()).isFalse();
        }
    }

    @Test
    void aCallerWithoutTheToolsScopeIsRefusedBeforeAnyRequestIsMade() {
        var metrics = new SimpleMeterRegistry();
        var tools = new MemoryTools(caller -> {
            throw new AssertionError("no request may be made for a caller without the scope");
        }, metrics);
        var reader = new Caller(new Principal("acme", "r", Set.of(Scope.READ), false, "desk", Set.of()), Map.of());
        var add = MemoryTools.definitions().stream().filter(d -> d.name().equals("add_memory")).findFirst().orElseThrow();
        var result = tools.call(add, McpTransportContext.create(Map.of(McpRoutes.CALLER, reader)),
                new McpSchema.CallToolRequest("add_memory", Map.of("text", "x")));
        assertThat(result.isError()).isTrue();
        assertThat(((McpSchema.TextContent) result.content().getFirst()).text()).contains("needs scope write");
        var anonymous = tools.call(add, McpTransportContext.EMPTY, new McpSchema.CallToolRequest("add_memory", Map.of()));
        assertThat(anonymous.isError()).isTrue();
        assertThat(metrics.counter("memlog_mcp_tool_calls", "tool", "add_memory", "outcome", "refused").count()).isEqualTo(2);
    }

    @Test
    void anUnreachablePlatformIsAToolErrorThatSaysToRetryAndLeaksNothing() {
        var tools = new MemoryTools(caller -> MemoryClient.forwarding("http://127.0.0.1:1", "http://127.0.0.1:1", Map.of()),
                new SimpleMeterRegistry());
        var desk = new Caller(new Principal("acme", "d", Set.of(Scope.READ), false, "desk", Set.of()), Map.of());
        var search = MemoryTools.definitions().stream().filter(d -> d.name().equals("search_memory")).findFirst().orElseThrow();
        var result = tools.call(search, McpTransportContext.create(Map.of(McpRoutes.CALLER, desk)),
                new McpSchema.CallToolRequest("search_memory", Map.of("query", "tea")));
        assertThat(result.isError()).isTrue();
        assertThat(((McpSchema.TextContent) result.content().getFirst()).text()).isEqualTo(
                "memory is unavailable right now; try again shortly");
        assertThat(List.of(result.content().toString())).noneMatch(t -> t.contains("127.0.0.1"));
    }
}
