package dev.memlog.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Principal;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.ScopedRoutes;
import dev.memlog.common.limits.TenantQuota;
import dev.memlog.common.http.Json;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Appends turns and explicit memories for the caller's tenant; 202 means Kafka has acknowledged them. */
final class AppendRoutes {
    private final EventRequests requests;
    private final EventAppender appender;
    private final int maxBatch;
    private final long maxEventRequestBytes;
    private final TenantQuota quota;
    private final MeterRegistry metrics;

    /** @param maxEventRequestBytes the body limit of a request holding one event; a batch may take the server's ceiling */
    AppendRoutes(EventRequests requests, EventAppender appender, int maxBatch, long maxEventRequestBytes, TenantQuota quota,
                 MeterRegistry metrics) {
        this.requests = requests;
        this.appender = appender;
        this.maxBatch = maxBatch;
        this.maxEventRequestBytes = maxEventRequestBytes;
        this.quota = quota;
        this.metrics = metrics;
    }

    void register(JavalinConfig config) {
        var batches = ScopedRoutes.of(config, Scope.WRITE);
        var routes = batches.withMaxBody(maxEventRequestBytes);
        routes.post("/v1/turns", ctx -> counted(ctx, "turn", () -> {
            return List.of(requests.turn(Access.principal(ctx), Json.body(ctx), "", now()));
        }));
        batches.post("/v1/turns/batch", ctx -> counted(ctx, "turn", () -> {
            Principal writer = Access.principal(ctx);
            JsonNode body = Json.body(ctx);
            EventRequests.requireObject(body, "");
            JsonNode turns = body.get("turns");
            if (turns == null || !turns.isArray()) {
                throw ApiException.badRequest("turns", "turns must be an array of turn objects");
            }
            if (turns.isEmpty()) {
                throw ApiException.badRequest("turns", "turns must not be empty");
            }
            if (turns.size() > maxBatch) {
                throw new ApiException(413, "turns holds " + turns.size() + " items; at most " + maxBatch
                        + " are accepted per request", "turns");
            }
            Instant receivedAt = now();
            List<EventRequests.Pending> pending = new ArrayList<>(turns.size());
            for (int i = 0; i < turns.size(); i++) {
                pending.add(requests.turn(writer, turns.get(i), "turns[" + i + "]", receivedAt));
            }
            return pending;
        }));
        routes.post("/v1/memories", ctx -> counted(ctx, "explicit_memory", () -> {
            return List.of(requests.explicitMemory(Access.principal(ctx), Json.body(ctx), now()));
        }));
    }

    private interface Parse {
        List<EventRequests.Pending> events();
    }

    /** Validates, appends and answers, counting accepted events and rejected requests by reason. */
    private void counted(Context ctx, String kind, Parse parse) {
        List<EventRequests.Pending> events;
        try {
            events = parse.events();
        } catch (ApiException e) {
            reject(e.status());
            throw e;
        } catch (HttpResponseException e) {
            reject(e.getStatus());
            throw e;
        }
        List<String> ids = events.stream().map(p -> p.event().getEventId()).toList();
        boolean one = ids.size() == 1 && !ctx.path().endsWith("/batch");
        try {
            quota.consume(Access.tenant(ctx), events.size());
        } catch (ApiException e) {
            reject(e.status());
            throw e;
        }
        try {
            appender.append(events);
        } catch (EventAppender.TooLargeException e) {
            reject(413);
            throw new ApiException(413, e.getMessage() + "; nothing was appended", "content",
                    one ? Map.of("event_id", ids.getFirst()) : Map.of("event_ids", ids));
        } catch (EventAppender.LogUnavailableException e) {
            reject(503);
            // the ids the platform gave are what a retry needs: with them it cannot duplicate what may have landed
            ctx.header("Retry-After", "1");
            throw new ApiException(503, e.getMessage() + "; retry with the same event_id" + (one ? "" : "s")
                    + " to avoid duplicates", null, one ? Map.of("event_id", ids.getFirst()) : Map.of("event_ids", ids));
        }
        Counter.builder("memlog_ingest_events_accepted").tag("kind", kind).register(metrics).increment(events.size());
        ctx.status(202).json(one ? Map.of("event_id", ids.getFirst()) : Map.of("event_ids", ids));
    }

    private void reject(int status) {
        String reason = switch (status) {
            case 400 -> "invalid";
            case 401 -> "unauthenticated";
            case 413 -> "too_large";
            case 429 -> "quota";
            case 503 -> "log_unavailable";
            default -> Integer.toString(status);
        };
        Counter.builder("memlog_ingest_requests_rejected").tag("reason", reason).register(metrics).increment();
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
