package dev.memlog.ingest;

import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import dev.memlog.common.http.ScopedRoutes;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.sealing.KeyStore;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Erases a data subject by crypto-shredding: the owner's data keys are destroyed first, so nothing sealed with them
 * opens again in any topic, changelog or replay; then an erasure event is appended, on which consolidation drops the
 * owner's state and the materializer deletes every document the owner has. 202 once both are in the log.
 */
final class ErasureRoutes {
    private final EventRequests requests;
    private final EventAppender appender;
    private final AuditLog audit;
    private final Optional<KeyStore> keys;
    private final Counter erasures;

    ErasureRoutes(EventRequests requests, EventAppender appender, AuditLog audit, Optional<KeyStore> keys, MeterRegistry metrics) {
        this.requests = requests;
        this.appender = appender;
        this.audit = audit;
        this.keys = keys;
        this.erasures = Counter.builder("memlog_ingest_erasures_accepted").register(metrics);
    }

    void register(JavalinConfig config) {
        ScopedRoutes.of(config, Scope.ERASE).withMaxBody(16 * 1024).post("/v1/erasure", this::erase);
    }

    /** How an audit entry names the subject: user:<id> or agent:<id>. */
    static String subject(MemoryEvent erasure) {
        var owner = MemoryOwner.of(erasure.getTenantId(), erasure.getUserId(), erasure.getAgentId());
        return (owner.kind() == MemoryOwner.Kind.USER ? "user:" : "agent:") + owner.id();
    }

    private void erase(Context ctx) {
        var principal = Access.principal(ctx);
        var pending = requests.erasure(principal, Json.body(ctx), Instant.now().truncatedTo(ChronoUnit.MILLIS));
        if (keys.isEmpty()) {
            throw new ApiException(409, "erasure needs encryption: with ENCRYPTION_KEK_FILE unset, what was written is in the"
                    + " clear and cannot be shredded", null);
        }
        String eventId = pending.event().getEventId();
        int destroyed;
        try {
            destroyed = keys.get().destroy(pending.key()).size();
            appender.append(List.of(pending));
            audit.erasure(principal, pending.event(), destroyed);
        } catch (EventAppender.TooLargeException e) {
            throw new ApiException(413, e.getMessage(), "reason");
        } catch (IllegalStateException | EventAppender.LogUnavailableException e) {
            // an erasure is idempotent: a second one destroys no more keys and deletes no more documents
            throw new ApiException(503, e.getMessage() + "; retry the erasure", null, Map.of("retry_after_seconds", 1));
        }
        erasures.increment();
        ctx.status(202).json(Map.of("erasure_id", eventId, "subject", subject(pending.event()), "keys_destroyed", destroyed,
                "status", "keys destroyed: nothing the subject said opens again; its index documents are deleted once"
                        + " the materializer has taken the erasure (memory.audit records it)"));
    }
}
