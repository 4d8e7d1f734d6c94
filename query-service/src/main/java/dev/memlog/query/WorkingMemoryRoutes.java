package dev.memlog.query;

import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.common.http.ScopedRoutes;
import dev.memlog.common.http.ApiException;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The short-term tier for the caller's tenant: a session's latest turns as consolidation holds them in its working
 * memory store, readable the moment they are consolidated, before any summary or index.
 */
final class WorkingMemoryRoutes {
    private final String consolidationUrl;
    private final ServiceToken credential;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param consolidationUrl where consolidation-streams serves its stores, or null when none is configured
     * @param credential what query-service presents there: its service credential, for the tenant it authenticated
     */
    WorkingMemoryRoutes(String consolidationUrl, ServiceToken credential) {
        this.consolidationUrl = consolidationUrl;
        this.credential = credential;
    }

    void register(JavalinConfig config) {
        ScopedRoutes.of(config, Scope.READ).get("/v1/working-memory", this::read);
    }

    private void read(Context ctx) throws InterruptedException {
        String tenant = Access.tenant(ctx);
        // the same checks as every other scope parameter
        var scope = SearchRequest.scope(ctx.queryParam("user_id"), ctx.queryParam("agent_id"), ctx.queryParam("session_id"));
        if (scope.sessionId() == null) {
            throw ApiException.badRequest("session_id", "session_id is required");
        }
        if (scope.userId() == null && scope.agentId() == null) {
            throw ApiException.badRequest("user_id", "user_id or agent_id is required");
        }
        OwnerScope.requireWhole(Access.principal(ctx), scope.userId(), scope.agentId());
        if (consolidationUrl == null) {
            throw new ApiException(503, "working memory is not available: CONSOLIDATION_URL is not set", null);
        }
        StringBuilder query = new StringBuilder("tenant=").append(encode(tenant))
                .append("&session_id=").append(encode(scope.sessionId()));
        if (scope.userId() != null) {
            query.append("&user_id=").append(encode(scope.userId()));
        }
        if (scope.agentId() != null) {
            query.append("&agent_id=").append(encode(scope.agentId()));
        }
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(URI.create(consolidationUrl + "/v1/working-memory?" + query))
                    .header("Authorization", credential.authorization())
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ApiException(503, "working memory is not reachable at consolidation-streams: " + e.getMessage(), null);
        }
        if (response.statusCode() >= 500) {
            // consolidation's trouble is not the caller's: they get a 503 to retry, never its 500
            throw new ApiException(503, "working memory is unavailable at consolidation-streams (" + response.statusCode()
                    + "); retry shortly", null);
        }
        ctx.status(response.statusCode()).contentType("application/json").result(response.body());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
