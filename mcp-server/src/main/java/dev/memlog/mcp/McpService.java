package dev.memlog.mcp;

import dev.memlog.client.MemoryClient;
import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.auth.Credentials;
import dev.memlog.common.auth.JwtAuthenticator;
import dev.memlog.common.config.Env;
import dev.memlog.common.http.GracefulShutdown;
import dev.memlog.common.http.Health;
import dev.memlog.common.http.Metrics;
import dev.memlog.common.http.ServiceServer;
import dev.memlog.common.tracing.Tracing;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** mcp-server: memory as MCP tools for agents' hosts, each tool a request of ingest-service or query-service. */
public final class McpService implements GracefulShutdown.Stoppable {
    private static final Logger log = LoggerFactory.getLogger(McpService.class);

    /** Settings, each from an environment variable with a default that works on the local stack. */
    public record Config(String host, int port, OptionalInt managementPort, String ingestUrl, String queryUrl,
                         ApiKeys apiKeys, JwtAuthenticator tokens, int maxRequestBytes, Duration toolTimeout) {
        public static Config from(Env env) {
            var listen = ServiceServer.Listen.from(env, env.integer("MCP_PORT", 8084));
            return new Config(listen.host(), listen.port(), listen.managementPort(),
                    env.string("INGEST_URL", "http://127.0.0.1:8080"), env.string("QUERY_URL", "http://127.0.0.1:8083"),
                    Credentials.apiKeys(env), JwtAuthenticator.from(env), env.integer("MAX_REQUEST_BYTES", 1 << 20),
                    env.duration("MCP_TOOL_TIMEOUT_MS", Duration.ofSeconds(30)));
        }

        /** For tests and the local stack: the services' URLs and the keys they accept. */
        public static Config local(int port, String ingestUrl, String queryUrl, ApiKeys apiKeys, JwtAuthenticator tokens) {
            return new Config("127.0.0.1", port, OptionalInt.empty(), ingestUrl, queryUrl, apiKeys, tokens, 1 << 20,
                    Duration.ofSeconds(30));
        }
    }

    private final ServiceServer http;
    private final McpRoutes mcp;

    public McpService(Config config) {
        if (config.apiKeys().size() == 0 && config.tokens() == null) {
            throw new IllegalArgumentException("no API keys configured: set API_KEYS=key=tenant or API_KEYS_FILE, the same"
                    + " as ingest-service's and query-service's");
        }
        var metrics = Metrics.registry("mcp-server");
        var tools = new MemoryTools(caller -> MemoryClient.forwarding(config.ingestUrl(), config.queryUrl(), caller.credential()),
                metrics);
        String version = McpService.class.getPackage().getImplementationVersion();
        this.mcp = new McpRoutes(tools, version == null ? "dev" : version, config.maxRequestBytes(), config.toolTimeout());
        var probe = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        var health = Health.ready(Map.of("ingest-service", () -> ready(probe, config.ingestUrl()),
                "query-service", () -> ready(probe, config.queryUrl())));
        var access = new Access(Credentials.clients(config.apiKeys(), config.tokens()));
        this.http = ServiceServer.start("mcp-server", new ServiceServer.Listen(config.host(), config.port(),
                config.managementPort()), config.maxRequestBytes(), metrics, health, access, mcp::register);
    }

    /**
     * Whether a service this one calls answers on the API port its tools use: without both, no tool can work. It asks
     * for the public document every memlog service serves there, since the probes may be on a management port.
     */
    private static boolean ready(HttpClient http, String baseUrl) {
        try {
            var request = HttpRequest.newBuilder(URI.create(baseUrl + "/openapi.json")).timeout(Duration.ofSeconds(2)).GET().build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (java.io.IOException | IllegalArgumentException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Every route this service answers, with the scopes each requires. */
    public java.util.List<ServiceServer.Route> routes() {
        return http.routes();
    }

    public int port() {
        return http.port();
    }

    @Override
    public ServiceServer http() {
        return http;
    }

    @Override
    public void close() {
        http.close();
        mcp.close();
    }

    public static void main(String[] args) {
        var env = Env.system();
        Tracing.install(env, "mcp-server");
        var service = new McpService(Config.from(env));
        GracefulShutdown.install("mcp-server", service, GracefulShutdown.drain(env));
        log.info("mcp-server ready on port {}; configuration {}", service.port(), env.effective());
    }
}
