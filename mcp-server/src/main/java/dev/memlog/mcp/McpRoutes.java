package dev.memlog.mcp;

import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.Json;
import dev.memlog.common.http.ScopedRoutes;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpStatelessSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStatelessServerTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The MCP endpoint, {@code /mcp}: streamable HTTP without sessions, so any replica answers any request, behind the
 * credential check every route has; the caller it establishes is what the tools act as.
 */
final class McpRoutes {
    static final String PATH = "/mcp";
    static final String CALLER = "memlog.mcp.caller";
    private static final String INSTRUCTIONS = "Long-term memory for this agent. Search it (search_memory, or get_context"
            + " for a prompt-ready pack) before answering questions about the user or past conversations; store what the"
            + " user asks you to remember with add_memory; record conversations with add_messages; report the memories you"
            + " used with report_memory_use. Writes are searchable within seconds.";

    private final HttpServletStatelessServerTransport transport;
    private final McpStatelessSyncServer server;

    McpRoutes(MemoryTools tools, String version, int maxRequestBytes, Duration toolTimeout) {
        var mapper = new JacksonMcpJsonMapper(Json.mapper());
        this.transport = HttpServletStatelessServerTransport.builder().jsonMapper(mapper).messageEndpoint(PATH)
                .maxRequestSize(maxRequestBytes)
                .contextExtractor(request -> request.getAttribute(CALLER) instanceof Caller caller
                        ? McpTransportContext.create(Map.of(CALLER, caller)) : McpTransportContext.EMPTY)
                .build();
        this.server = McpServer.sync(transport).serverInfo("memlog", version).instructions(INSTRUCTIONS)
                .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
                .jsonMapper(mapper).requestTimeout(toolTimeout).validateToolInputs(true)
                .tools(tools.specifications()).build();
    }

    void register(JavalinConfig config) {
        // any client credential opens the endpoint; each tool then needs the scope of what it does
        ScopedRoutes.of(config, Scope.READ, Scope.WRITE, Scope.FEEDBACK, Scope.ADMIN)
                .post(PATH, this::handle).get(PATH, this::handle);
    }

    private void handle(Context ctx) throws Exception {
        ctx.req().setAttribute(CALLER, new Caller(Access.principal(ctx), credential(ctx)));
        transport.service(ctx.req(), ctx.res());
    }

    /** The credential as the request carried it, to present unchanged to the platform's services. */
    static Map<String, String> credential(Context ctx) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : new String[] {ApiKeys.HEADER, "Authorization"}) {
            String value = ctx.header(name);
            if (value != null) {
                headers.put(name, value);
            }
        }
        return headers;
    }

    void close() {
        server.close();
    }
}
