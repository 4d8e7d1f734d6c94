package dev.memlog.query;

import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import io.javalin.config.JavalinConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;

/** Retrieval for the caller's tenant: hybrid search over its memories, each hit with its score; live counts. */
final class SearchRoutes {
    private final ApiKeys apiKeys;
    private final HybridRetriever retriever;
    private final Timer searchTimer;

    SearchRoutes(ApiKeys apiKeys, HybridRetriever retriever, MeterRegistry metrics) {
        this.apiKeys = apiKeys;
        this.retriever = retriever;
        this.searchTimer = Timer.builder("memlog_search").publishPercentiles(0.5, 0.95, 0.99).register(metrics);
    }

    void register(JavalinConfig config) {
        config.routes.get("/v1/stats", ctx -> {
            String tenant = apiKeys.tenantOf(ctx);
            var scope = SearchRequest.scope(ctx.queryParam("user_id"), ctx.queryParam("agent_id"), ctx.queryParam("session_id"));
            ctx.json(Map.of("records", retriever.count(tenant, scope)));
        });
        config.routes.post("/v1/search", ctx -> {
            String tenant = apiKeys.tenantOf(ctx);
            if (ctx.body().isBlank()) {
                throw ApiException.badRequest(null, "request body is empty: send a JSON object with a query");
            }
            var request = SearchRequest.parse(Json.mapper().readTree(ctx.body()));
            long started = System.nanoTime();
            var hits = retriever.search(tenant, request);
            long nanos = System.nanoTime() - started;
            searchTimer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            ctx.json(Map.of("hits", hits, "took_ms", nanos / 1_000_000));
        });
    }
}
