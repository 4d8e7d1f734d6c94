package dev.memlog.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.common.auth.Principal;
import dev.memlog.common.auth.Scope;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ToolRequestsTest {
    static final Caller DESK = new Caller(new Principal("acme", "desk-key", Set.of(Scope.READ, Scope.WRITE), false, "desk",
            Set.of("*")), Map.of("X-API-Key", "k"));
    static final Caller UNBOUND = new Caller(new Principal("acme", "key", Set.of(Scope.READ), false), Map.of("X-API-Key", "k"));

    static ToolArguments args(Map<String, Object> values) {
        return new ToolArguments(values);
    }

    @Test
    void theAgentComesFromTheCredentialAndNoArgumentCanNameATenantOrAnotherAgent() {
        var body = ToolRequests.addMemory(DESK, args(Map.of("text", "likes tea", "user_id", "ann",
                "agent_id", "other", "tenant_id", "globex", "tenant", "globex")));
        assertThat(body.toString()).isEqualTo("{\"user_id\":\"ann\",\"agent_id\":\"desk\",\"content\":\"likes tea\"}");
        assertThat(ToolRequests.search(DESK, args(Map.of("query", "tea", "agent_id", "other"))).path("agent_id").asText())
                .isEqualTo("desk");
        assertThat(ToolRequests.listMemories(DESK, args(Map.of("tier", "semantic", "limit", 5.0))))
                .containsExactly(Map.entry("agent_id", "desk"), Map.entry("tier", "semantic"), Map.entry("limit", "5"));
    }

    @Test
    void aCredentialBoundToNoAgentMustNameTheUser() {
        assertThatThrownBy(() -> ToolRequests.search(UNBOUND, args(Map.of("query", "tea"))))
                .isInstanceOf(ToolArguments.Invalid.class).extracting(e -> ((ToolArguments.Invalid) e).argument()).isEqualTo("user_id");
        assertThat(ToolRequests.search(UNBOUND, args(Map.of("query", "tea", "user_id", "ann"))).toString())
                .isEqualTo("{\"user_id\":\"ann\",\"query\":\"tea\"}");
    }

    @Test
    void messagesBecomeTurnsOfOneSessionInOrder() {
        var body = ToolRequests.addMessages(DESK, args(Map.of("session_id", "s1", "messages", List.of(
                Map.of("role", "user", "content", "I fly Tuesday"), Map.of("role", "assistant", "content", "Noted",
                        "timestamp", "2024-05-01T10:00:00Z")))));
        assertThat(body.path("turns")).hasSize(2);
        assertThat(body.path("turns").get(0).toString())
                .isEqualTo("{\"agent_id\":\"desk\",\"session_id\":\"s1\",\"role\":\"user\",\"content\":\"I fly Tuesday\"}");
        assertThat(body.path("turns").get(1).path("timestamp").asText()).isEqualTo("2024-05-01T10:00:00Z");
    }

    @Test
    void argumentsOfTheWrongShapeAreRefusedNamingThemNeverCoerced() {
        record Case(Runnable call, String argument) {
        }
        for (var c : List.of(
                new Case(() -> ToolRequests.search(DESK, args(Map.of("query", 42))), "query"),
                new Case(() -> ToolRequests.search(DESK, args(Map.of())), "query"),
                new Case(() -> ToolRequests.search(DESK, args(Map.of("query", "x", "limit", "ten"))), "limit"),
                new Case(() -> ToolRequests.search(DESK, args(Map.of("query", "x", "limit", 2.5))), "limit"),
                new Case(() -> ToolRequests.search(DESK, args(Map.of("query", "x", "limit", 1e12))), "limit"),
                new Case(() -> ToolRequests.search(DESK, args(Map.of("query", "x", "tiers", List.of("semantic", 3)))), "tiers"),
                new Case(() -> ToolRequests.search(DESK, args(Map.of("query", "x", "user_id", List.of("ann")))), "user_id"),
                new Case(() -> ToolRequests.addMessages(DESK, args(Map.of("session_id", "s", "messages", List.of()))), "messages"),
                new Case(() -> ToolRequests.addMessages(DESK, args(Map.of("session_id", "s", "messages", List.of("hi")))), "messages"),
                new Case(() -> ToolRequests.addMessages(DESK, args(Map.of("session_id", "s",
                        "messages", List.of(Map.of("role", "user"))))), "messages[0].content"),
                new Case(() -> ToolRequests.addMemory(DESK, args(Map.of("text", "x", "metadata", "label"))), "metadata"),
                new Case(() -> ToolRequests.reportUse(DESK, args(Map.of("record_ids", List.of()))), "record_ids"))) {
            assertThatThrownBy(c.call()::run).as(c.argument()).isInstanceOf(ToolArguments.Invalid.class)
                    .extracting(e -> ((ToolArguments.Invalid) e).argument()).isEqualTo(c.argument());
        }
    }

    @Test
    void hostileTextIsPassedOnAsWrittenForTheServicesToCheck() {
        String hostile = "a\\.*$(reboot)\u0000\u001b[31m\"}]";
        assertThat(ToolRequests.search(DESK, args(Map.of("query", hostile, "user_id", hostile))).path("query").asText())
                .isEqualTo(hostile);
        assertThat(ToolRequests.context(DESK, args(Map.of("query", "x"))).path("budget_tokens").asInt())
                .isEqualTo(ToolRequests.DEFAULT_BUDGET_TOKENS);
    }
}
