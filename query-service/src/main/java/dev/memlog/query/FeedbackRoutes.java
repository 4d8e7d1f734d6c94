package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ScopedRoutes;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.avro.AccessKind;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An agent tells which memories it used (they are reinforced) or found not useful (they are weakened): appended to
 * the access log for the caller's tenant, 202 once Kafka has it. A retry with the same {@code feedback_id} counts once.
 */
final class FeedbackRoutes {
    static final int MAX_RECORDS = 100;
    /** As ingest-service accepts for events (MAX_FUTURE_SKEW_SECONDS there). */
    static final java.time.Duration MAX_FUTURE_SKEW = java.time.Duration.ofMinutes(5);
    private static final Pattern RECORD_ID = SearchRequest.RECORD_ID;
    private final AccessRecorder access;

    FeedbackRoutes(AccessRecorder access) {
        this.access = access;
    }

    void register(JavalinConfig config) {
        ScopedRoutes.of(config, Scope.FEEDBACK).post("/v1/feedback", this::feedback);
    }

    private void feedback(Context ctx) {
        String tenant = Access.tenant(ctx);
        JsonNode body = Json.body(ctx);
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest(null, "request body must be a JSON object");
        }
        // the owner's fields are checked as every other scope is
        var scope = SearchRequest.scope(text(body, "user_id"), text(body, "agent_id"), null);
        if (scope.userId() == null && scope.agentId() == null) {
            throw ApiException.badRequest("user_id", "user_id or agent_id is required");
        }
        OwnerScope.require(Access.principal(ctx), scope.userId(), scope.agentId());
        AccessKind kind = switch (String.valueOf(text(body, "signal"))) {
            case "used" -> AccessKind.USED;
            case "not_useful" -> AccessKind.NOT_USEFUL;
            default -> throw ApiException.badRequest("signal", "signal must be \"used\" or \"not_useful\"");
        };
        List<AccessRecorder.Accessed> memories = new ArrayList<>();
        for (String id : recordIds(body)) {
            memories.add(new AccessRecorder.Accessed(scope.userId(), scope.agentId(), id, null, null));
        }
        String requestId = text(body, "request_id");
        if (requestId != null && !RECORD_ID.matcher(requestId).matches()) {
            throw ApiException.badRequest("request_id", "request_id must be the request_id a search or context pack returned");
        }
        String feedbackId = text(body, "feedback_id");
        if (feedbackId != null && !RECORD_ID.matcher(feedbackId).matches()) {
            throw ApiException.badRequest("feedback_id", "feedback_id must be 1-128 letters, digits and . _ : -");
        }
        Instant at = timestamp(body, Instant.now(), MAX_FUTURE_SKEW);
        String accessId;
        try {
            accessId = access.reported(tenant, kind, requestId, feedbackId, at, memories);
        } catch (IllegalStateException e) {
            throw new ApiException(503, "feedback not recorded, retry: " + e.getMessage(), null);
        }
        ctx.status(202).json(Map.of("access_id", accessId, "records", memories.size()));
    }

    private static Set<String> recordIds(JsonNode body) {
        JsonNode ids = body.get("record_ids");
        if (ids == null || !ids.isArray() || ids.isEmpty() || ids.size() > MAX_RECORDS) {
            throw ApiException.badRequest("record_ids", "record_ids must be an array of 1 to " + MAX_RECORDS + " record ids");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (JsonNode id : ids) {
            if (!id.isTextual() || !RECORD_ID.matcher(id.asText()).matches()) {
                throw ApiException.badRequest("record_ids", "record_ids holds something that is not a record id: " + id);
            }
            unique.add(id.asText());
        }
        return unique;
    }

    /**
     * When the agent used the memories by its own account (for reports sent late or replayed), on the owner's
     * timeline; null when it does not say, and the use happened now. A time Kafka could not store or one in the future
     * is the client's mistake.
     */
    static Instant timestamp(JsonNode body, Instant now, java.time.Duration maxFutureSkew) {
        Instant at = SearchRequest.instant(body, "timestamp", "timestamp");
        if (at == null) {
            return null;
        }
        if (at.isBefore(Instant.EPOCH)) {
            throw ApiException.badRequest("timestamp", "timestamp is before 1970-01-01T00:00:00Z");
        }
        if (at.isAfter(now.plus(maxFutureSkew))) {
            throw ApiException.badRequest("timestamp", "timestamp is in the future: at most " + maxFutureSkew.toSeconds()
                    + " seconds past the platform's clock (" + now + ") are accepted");
        }
        return at;
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest(field, field + " must be a string");
        }
        return node.asText();
    }
}
