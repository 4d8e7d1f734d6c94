package dev.memlog.mcp;

import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.auth.Scope;
import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.ApiDocs;
import dev.memlog.common.http.ApiException;
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

    static final String SPEC = "/openapi/mcp.yaml";

    void register(JavalinConfig config) {
        ApiDocs.register(config, SPEC);
        // any client credential opens the endpoint; each tool then needs the scope of what it does
        ScopedRoutes.of(config, Scope.READ, Scope.WRITE, Scope.FEEDBACK, Scope.ADMIN)
                .post(PATH, this::handle).get(PATH, ctx -> {
                    ctx.header("Allow", "POST");
                    throw new ApiException(405, "this server keeps no sessions, so it opens no event stream: POST each"
                            + " JSON-RPC message to " + PATH, null);
                });
    }

    private void handle(Context ctx) throws Exception {
        byte[] body = ctx.bodyAsBytes();
        requireMessage(body);
        ctx.req().setAttribute(CALLER, new Caller(Access.principal(ctx), credential(ctx)));
        transport.service(new ReadBody(ctx.req(), body), ctx.res());
    }

    /** A body that is not one JSON-RPC message is refused here, in the platform's error shape, before the transport. */
    static void requireMessage(byte[] body) {
        JsonNode message;
        try {
            message = Json.mapper().readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiException.badRequest("body", "the body must be one JSON-RPC 2.0 message (a JSON object): "
                    + ApiException.printable(String.valueOf(e.getOriginalMessage())));
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("body", "the body must be one JSON-RPC 2.0 message (a JSON object)");
        }
        if (message == null || !message.isObject() || !"2.0".equals(message.path("jsonrpc").asText(null))
                || !message.path("method").isTextual() && !message.has("result") && !message.has("error")) {
            throw ApiException.badRequest("body", "the body must be one JSON-RPC 2.0 message: an object with"
                    + " \"jsonrpc\": \"2.0\" and a method (or a result or error)");
        }
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

    /** The request as the transport reads it: its body from the bytes already read here. */
    private static final class ReadBody extends jakarta.servlet.http.HttpServletRequestWrapper {
        private final byte[] body;

        ReadBody(jakarta.servlet.http.HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public jakarta.servlet.ServletInputStream getInputStream() {
            var in = new java.io.ByteArrayInputStream(body);
            return new jakarta.servlet.ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(jakarta.servlet.ReadListener listener) {
                    throw new UnsupportedOperationException("the body is already read");
                }
            };
        }

        @Override
        public java.io.BufferedReader getReader() {
            return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    void close() {
        server.close();
    }
}
