package dev.memlog.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memlog.client.MemlogException;
import dev.memlog.client.MemoryClient;
import dev.memlog.common.auth.Scope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpStatelessServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory tools agents call, each one request of the platform's public API made with the caller's own credential,
 * so the services check it as they check any client; reads are marked read-only, deletion destructive.
 */
final class MemoryTools {
    private static final Logger log = LoggerFactory.getLogger(MemoryTools.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one tool does with the platform, given a client that acts as the caller. */
    @FunctionalInterface
    interface Call {
        JsonNode apply(MemoryClient client, Caller caller, ToolArguments args) throws IOException;
    }

    /** How a tool behaves, for the agent's host to decide what needs the user's approval. */
    enum Kind {
        READ(true, false, true), APPEND(false, false, false), FEEDBACK(false, false, false), DELETE(false, true, true);

        final boolean readOnly;
        final boolean destructive;
        final boolean idempotent;

        Kind(boolean readOnly, boolean destructive, boolean idempotent) {
            this.readOnly = readOnly;
            this.destructive = destructive;
            this.idempotent = idempotent;
        }
    }

    /** One tool: its name as agents expect it, what it does, its input, the scopes it needs (any one), and its call. */
    record Definition(String name, String title, String description, InputSchema input, Kind kind, Set<Scope> scopes, Call call) {
        Tool tool() {
            return Tool.builder().name(name).title(title).description(description).inputSchema(input.toMap())
                    .annotations(new ToolAnnotations(title, kind.readOnly, kind.destructive, kind.idempotent, false, null))
                    .build();
        }
    }

    private final Function<Caller, MemoryClient> clients;
    private final MeterRegistry metrics;

    /** @param clients a client of the platform that presents the caller's credential */
    MemoryTools(Function<Caller, MemoryClient> clients, MeterRegistry metrics) {
        this.clients = clients;
        this.metrics = metrics;
    }

    static List<Definition> definitions() {
        return List.of(
                new Definition("add_memory", "Remember something",
                        "Store something the user asked you to remember or that you must keep (a preference, a fact, an"
                                + " instruction). Stored at once; searchable within seconds.",
                        InputSchema.object().string("text", "what to remember, in a sentence", true)
                                .string("session_id", "the conversation it came from (optional)", false)
                                .stringMap("metadata", "string labels to keep with it (optional)"),
                        Kind.APPEND, Set.of(Scope.WRITE), (c, caller, a) -> c.remember(ToolRequests.addMemory(caller, a))),
                new Definition("add_messages", "Record conversation turns",
                        "Append the turns of a conversation, in order, to the memory log; consolidation turns them into"
                                + " session summaries and facts.",
                        InputSchema.object().string("session_id", "the conversation these turns belong to", true)
                                .messages("messages", "the turns, oldest first"),
                        Kind.APPEND, Set.of(Scope.WRITE), (c, caller, a) -> c.appendTurns(ToolRequests.addMessages(caller, a))),
                new Definition("search_memory", "Search memory",
                        "Find the memories most relevant to a query (hybrid keyword and semantic search), best first,"
                                + " each with its record_id and score.",
                        searchInput(), Kind.READ, Set.of(Scope.READ), (c, caller, a) -> c.search(ToolRequests.search(caller, a))),
                new Definition("get_context", "Get a context pack",
                        "Get the memories relevant to a query packed into at most budget_tokens tokens, as text ready to"
                                + " put in a prompt, with the items it holds.",
                        searchInput().integer("budget_tokens", "the most tokens the pack may use (default "
                                + ToolRequests.DEFAULT_BUDGET_TOKENS + ")", 1, 32000),
                        Kind.READ, Set.of(Scope.READ), (c, caller, a) -> c.context(ToolRequests.context(caller, a))),
                new Definition("get_working_memory", "Get working memory",
                        "Get the latest turns of one conversation, newest last, within working memory's token bound.",
                        InputSchema.object().string("session_id", "the conversation", true),
                        Kind.READ, Set.of(Scope.READ), (c, caller, a) -> c.workingMemory(ToolRequests.workingMemory(caller, a))),
                new Definition("list_memories", "List memories",
                        "List the memories kept for this owner, newest first, a page at a time; pass next_cursor back as"
                                + " cursor for the next page.",
                        InputSchema.object().choice("tier", "only this tier", "working", "episodic", "semantic", "procedural")
                                .string("session_id", "only from this conversation", false)
                                .string("observed_after", "only observed at or after this instant (ISO-8601)", false)
                                .string("observed_before", "only observed before this instant (ISO-8601)", false)
                                .string("as_of", "as they were known at this instant (ISO-8601)", false)
                                .integer("limit", "how many per page (default 50)", 1, 200)
                                .string("cursor", "next_cursor of the previous page", false),
                        Kind.READ, Set.of(Scope.READ), (c, caller, a) -> c.listMemories(ToolRequests.listMemories(caller, a))),
                new Definition("get_memory_history", "Get a memory's history",
                        "Every version of one memory with why it changed (derived, restated, superseded, forgotten,"
                                + " deleted), the events behind it and its strength.",
                        InputSchema.object().string("record_id", "the memory, as search or list returned it", true),
                        Kind.READ, Set.of(Scope.READ), (c, caller, a) -> found(c.history(a.requiredString("record_id"),
                                ToolRequests.owner(caller, a)), a.requiredString("record_id"))),
                new Definition("report_memory_use", "Report memory use",
                        "Tell memory which retrieved memories you used (they are reinforced) or found not useful.",
                        InputSchema.object().strings("record_ids", "the memories, as search returned them", true)
                                .choice("signal", "used (default) or not_useful", "used", "not_useful")
                                .string("request_id", "the request_id of the search or context pack they came from", false),
                        Kind.FEEDBACK, Set.of(Scope.FEEDBACK), (c, caller, a) -> c.feedback(ToolRequests.reportUse(caller, a))),
                new Definition("delete_memory", "Delete a memory",
                        "Delete one memory on the user's request: it leaves retrieval within seconds; its history keeps"
                                + " that it was deleted and why.",
                        InputSchema.object().string("record_id", "the memory, as search or list returned it", true)
                                .string("reason", "why, for the memory's history (optional)", false),
                        Kind.DELETE, Set.of(Scope.WRITE, Scope.ADMIN), (c, caller, a) -> c.delete(a.requiredString("record_id"),
                                ToolRequests.owner(caller, a), a.string("reason") == null ? "" : a.string("reason"))));
    }

    private static InputSchema searchInput() {
        return InputSchema.object().string("query", "what to look for, in natural language", true)
                .string("session_id", "only from this conversation (optional)", false)
                .strings("tiers", "only these tiers: working, episodic, semantic, procedural (optional)", false)
                .string("as_of", "as memory stood at this instant, ISO-8601 (optional)", false)
                .integer("limit", "how many memories at most (default 10)", 1, 100);
    }

    private static JsonNode found(JsonNode answer, String recordId) throws IOException {
        if (answer.isMissingNode()) {
            throw new MemlogException(404, "no memory " + recordId + " of this owner", "record_id", "not found");
        }
        return answer;
    }

    List<SyncToolSpecification> specifications() {
        return definitions().stream().map(d -> new SyncToolSpecification(d.tool(), (context, request) -> call(d, context, request)))
                .toList();
    }

    CallToolResult call(Definition definition, McpTransportContext context, CallToolRequest request) {
        Caller caller = (Caller) context.get(McpRoutes.CALLER);
        if (caller == null) {
            return refused(definition, "this request carried no checked credential");
        }
        if (definition.scopes().stream().noneMatch(caller.principal()::may)) {
            return refused(definition, "this credential may not call " + definition.name() + ": it needs scope "
                    + definition.scopes().stream().map(Scope::label).sorted().collect(Collectors.joining(" or ")));
        }
        try {
            JsonNode answer = definition.call().apply(clients.apply(caller), caller, new ToolArguments(request.arguments()));
            count(definition, "ok");
            @SuppressWarnings("unchecked")
            Map<String, Object> structured = answer.isObject() ? JSON.convertValue(answer, Map.class) : Map.of("result", answer);
            return CallToolResult.builder().addTextContent(answer.toString()).structuredContent(structured).build();
        } catch (ToolArguments.Invalid e) {
            return refused(definition, "argument " + e.argument() + ": " + e.getMessage());
        } catch (MemlogException e) {
            return refused(definition, e.status() + " " + e.error() + (e.field() == null ? "" : " (argument " + e.field() + ")"));
        } catch (IOException e) {
            count(definition, "failed");
            log.warn("tool {} could not reach the platform: {}", definition.name(), e.toString());
            return CallToolResult.builder().isError(true)
                    .addTextContent("memory is unavailable right now; try again shortly").build();
        }
    }

    private CallToolResult refused(Definition definition, String message) {
        count(definition, "refused");
        return CallToolResult.builder().isError(true).addTextContent(message).build();
    }

    private void count(Definition definition, String outcome) {
        Counter.builder("memlog_mcp_tool_calls").description("MCP tool calls by tool and outcome")
                .tags("tool", definition.name(), "outcome", outcome).register(metrics).increment();
    }

    /** The tool names, for documentation and tests. */
    static List<String> names() {
        return definitions().stream().map(Definition::name).toList();
    }

}
