package dev.memlog.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import dev.memlog.common.http.ScopedRoutes;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/** Deletes one memory by appending a deletion event: 202 once the log has it; consolidation takes the memory out. */
final class DeletionRoutes {
    private final EventRequests requests;
    private final EventAppender appender;
    private final AuditLog audit;
    private final Counter deletions;

    DeletionRoutes(EventRequests requests, EventAppender appender, AuditLog audit, MeterRegistry metrics) {
        this.requests = requests;
        this.appender = appender;
        this.audit = audit;
        this.deletions = Counter.builder("memlog_ingest_deletions_accepted").register(metrics);
    }

    void register(JavalinConfig config) {
        // an agent deletes what its user asked it to forget; an operator deletes on a tenant's behalf
        ScopedRoutes.of(config, Scope.WRITE, Scope.ADMIN).withMaxBody(16 * 1024)
                .delete("/v1/memories/{record_id}", this::delete);
    }

    private void delete(Context ctx) {
        // the body is optional: a reason, for the memory's history
        JsonNode body = ctx.bodyAsBytes().length == 0 ? null : Json.body(ctx);
        var principal = Access.principal(ctx);
        Instant receivedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        var pending = requests.deletion(principal, ctx.pathParam("record_id"), ctx.queryParam("user_id"),
                ctx.queryParam("agent_id"), body, receivedAt);
        String eventId = pending.event().getEventId();
        try {
            appender.append(List.of(pending));
            audit.deletion(principal, pending.event());
        } catch (EventAppender.TooLargeException e) {
            throw new ApiException(413, e.getMessage(), "reason");
        } catch (EventAppender.LogUnavailableException e) {
            // a deletion is idempotent: a second one of the same memory changes nothing
            throw new ApiException(503, e.getMessage() + "; retry the deletion", null,
                    Map.of("event_id", eventId, "retry_after_seconds", 1));
        }
        deletions.increment();
        ctx.status(202).json(Map.of("event_id", eventId, "record_id", pending.event().getTargetRecordId(),
                "status", "deletion appended: the memory leaves retrieval once consolidation has taken it"));
    }
}
