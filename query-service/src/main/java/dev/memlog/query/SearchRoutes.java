package dev.memlog.query;

import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.ScopedRoutes;
import dev.memlog.common.http.Json;
import dev.memlog.common.http.Metrics;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.config.JavalinConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Retrieval for the caller's tenant: hybrid search with explained scores, token-budgeted context packs, live counts.
 * What a search or pack returns is recorded as retrieved (reinforcing it) after the answer is sent, unless the request
 * looks back in time ({@code as_of}) or says {@code "reinforce": false}.
 */
final class SearchRoutes {
    static final int MAX_BUDGET = 32_000;
    private final HybridRetriever retriever;
    private final ContextPacker packer;
    private final AccessRecorder access;
    private final LifecycleIndexes lifecycle;
    private final Timer searchTimer;
    private final Timer contextTimer;
    private final MeterRegistry metrics;
    private final RetrievalLimiter limiter;
    private final long maxBodyBytes;

    /** @param maxBodyBytes the body limit of a search or context request (MAX_SEARCH_REQUEST_BYTES) */
    SearchRoutes(HybridRetriever retriever, ContextPacker packer, AccessRecorder access,
                 LifecycleIndexes lifecycle, MeterRegistry metrics, long maxBodyBytes, RetrievalLimiter limiter) {
        this.limiter = limiter;
        this.maxBodyBytes = maxBodyBytes;
        this.retriever = retriever;
        this.packer = packer;
        this.access = access;
        this.lifecycle = lifecycle;
        this.metrics = metrics;
        this.contextTimer = Timer.builder("memlog_context_pack").serviceLevelObjectives(Metrics.LATENCY_BUCKETS).register(metrics);
        this.searchTimer = Timer.builder("memlog_search").serviceLevelObjectives(Metrics.LATENCY_BUCKETS).register(metrics);
    }

    /** Whether returning these memories reinforces them: not for a look back in time, nor when the caller says not. */
    private static boolean reinforce(JsonNode body, SearchRequest request) {
        JsonNode node = body.get("reinforce");
        if (node != null && !node.isNull() && !node.isBoolean()) {
            throw ApiException.badRequest("reinforce", "reinforce must be true or false");
        }
        return request.asOf() == null && (node == null || node.isNull() || node.asBoolean());
    }

    void register(JavalinConfig config) {
        var routes = ScopedRoutes.of(config, Scope.READ).withMaxBody(maxBodyBytes);
        routes.get("/v1/stats", ctx -> {
            String tenant = Access.tenant(ctx);
            var scope = SearchRequest.scope(ctx.queryParam("user_id"), ctx.queryParam("agent_id"), ctx.queryParam("session_id"));
            OwnerScope.require(Access.principal(ctx), scope.userId(), scope.agentId());
            ctx.json(Map.of("records", retriever.count(tenant, scope), "forgotten", lifecycle.forgotten(tenant, scope)));
        });
        routes.post("/v1/search", ctx -> {
            String tenant = Access.tenant(ctx);
            JsonNode body = Json.body(ctx);
            var request = SearchRequest.parse(body);
            OwnerScope.require(Access.principal(ctx), request.userId(), request.agentId());
            boolean reinforce = reinforce(body, request);
            long started = System.nanoTime();
            var stages = new Stages();
            var hits = limiter.run(() -> retriever.search(tenant, request, stages));
            long nanos = System.nanoTime() - started;
            searchTimer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            stages.record(metrics);
            ctx.header("Server-Timing", stages.serverTiming());
            String requestId = UUID.randomUUID().toString();
            ctx.json(Map.of("hits", hits, "took_ms", nanos / 1_000_000, "request_id", requestId));
            if (reinforce) {
                List<AccessRecorder.Accessed> returned = new ArrayList<>();
                for (int i = 0; i < hits.size(); i++) {
                    var h = hits.get(i);
                    returned.add(new AccessRecorder.Accessed(h.userId(), h.agentId(), h.recordId(), i + 1, h.score()));
                }
                access.retrieved(tenant, requestId, request.query(), returned);
            }
        });
        routes.post("/v1/context", ctx -> {
            String tenant = Access.tenant(ctx);
            JsonNode body = Json.body(ctx);
            var request = SearchRequest.parse(body);
            OwnerScope.require(Access.principal(ctx), request.userId(), request.agentId());
            JsonNode budget = body.get("budget_tokens");
            if (budget == null || !budget.isInt() || budget.asInt() < 1 || budget.asInt() > MAX_BUDGET) {
                throw ApiException.badRequest("budget_tokens", "budget_tokens must be an integer from 1 to " + MAX_BUDGET);
            }
            JsonNode neighbours = body.get("neighbours");
            if (neighbours != null && !neighbours.isBoolean()) {
                throw ApiException.badRequest("neighbours", "neighbours must be true or false");
            }
            boolean reinforce = reinforce(body, request);
            long started = System.nanoTime();
            var stages = new Stages();
            boolean around = neighbours == null || neighbours.asBoolean();
            var pack = limiter.run(() -> packer.pack(tenant, request, budget.asInt(), around, stages));
            contextTimer.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            stages.record(metrics);
            ctx.header("Server-Timing", stages.serverTiming());
            ctx.json(pack);
            if (reinforce) {
                List<AccessRecorder.Accessed> returned = new ArrayList<>();
                int rank = 0;
                for (var item : pack.items()) {
                    returned.add(new AccessRecorder.Accessed(item.userId(), item.agentId(), item.recordId(), ++rank, item.score()));
                }
                access.retrieved(tenant, pack.requestId(), request.query(), returned);
            }
        });
    }
}
