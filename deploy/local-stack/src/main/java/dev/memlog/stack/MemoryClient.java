package dev.memlog.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** What an agent does over HTTP: append to ingest-service, search and count on query-service. */
public final class MemoryClient {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String ingestUrl;
    private final String queryUrl;
    private final String apiKey;
    private final java.util.Map<String, String> headers;

    public MemoryClient(String ingestUrl, String queryUrl, String apiKey) {
        this(ingestUrl, queryUrl, apiKey, java.util.Map.of());
    }

    private MemoryClient(String ingestUrl, String queryUrl, String apiKey, java.util.Map<String, String> headers) {
        this.ingestUrl = ingestUrl;
        this.queryUrl = queryUrl;
        this.apiKey = apiKey;
        this.headers = java.util.Map.copyOf(headers);
    }

    /** The same client sending these headers too, e.g. a {@code traceparent} that joins its requests to a trace. */
    public MemoryClient withHeaders(java.util.Map<String, String> extra) {
        var all = new java.util.HashMap<>(headers);
        all.putAll(extra);
        return new MemoryClient(ingestUrl, queryUrl, apiKey, all);
    }

    public JsonNode appendTurns(JsonNode batch) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/turns/batch"))
                .POST(HttpRequest.BodyPublishers.ofString(batch.toString())), 202);
    }

    /** An explicit memory: something an agent asks to keep ("Ann is allergic to peanuts", "always answer in French"). */
    public JsonNode remember(JsonNode memory) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/memories"))
                .POST(HttpRequest.BodyPublishers.ofString(memory.toString())), 202);
    }

    /** The latest turns of one session of a user, from working memory. */
    public JsonNode workingMemory(String userId, String sessionId) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(queryUrl + "/v1/working-memory?user_id="
                + URLEncoder.encode(userId, StandardCharsets.UTF_8) + "&session_id="
                + URLEncoder.encode(sessionId, StandardCharsets.UTF_8))).GET(), 200);
    }

    public JsonNode search(ObjectNode request) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(queryUrl + "/v1/search"))
                .POST(HttpRequest.BodyPublishers.ofString(request.toString())), 200);
    }

    public JsonNode context(ObjectNode request) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(queryUrl + "/v1/context"))
                .POST(HttpRequest.BodyPublishers.ofString(request.toString())), 200);
    }

    /** Live and forgotten memory counts of the tenant, or of one user. */
    public JsonNode stats(String userId) throws IOException {
        String q = userId == null ? "" : "?user_id=" + URLEncoder.encode(userId, StandardCharsets.UTF_8);
        return send(HttpRequest.newBuilder(URI.create(queryUrl + "/v1/stats" + q)).GET(), 200);
    }

    /**
     * Every version of one of a user's memories with why it changed, and its use history; a missing node when there is
     * no such memory yet.
     */
    public JsonNode history(String userId, String recordId) throws IOException {
        return historyBy("user_id", userId, recordId);
    }

    /** The same for one of an agent's own memories (those naming no user). */
    public JsonNode historyOfAgent(String agentId, String recordId) throws IOException {
        return historyBy("agent_id", agentId, recordId);
    }

    /** Where a memory of a user came from and what became of it, with log positions; a missing node for a 404. */
    public JsonNode lineage(String userId, String recordId) throws IOException {
        return getOrMissing(queryUrl + "/v1/memories/" + URLEncoder.encode(recordId, StandardCharsets.UTF_8) + "/lineage?user_id="
                + URLEncoder.encode(userId, StandardCharsets.UTF_8));
    }

    private JsonNode historyBy(String ownerField, String owner, String recordId) throws IOException {
        return getOrMissing(queryUrl + "/v1/memories/" + URLEncoder.encode(recordId, StandardCharsets.UTF_8) + "/history?"
                + ownerField + "=" + URLEncoder.encode(owner, StandardCharsets.UTF_8));
    }

    /** A GET answered 200, or a missing node for a 404. */
    private JsonNode getOrMissing(String url) throws IOException {
        try {
            return send(HttpRequest.newBuilder(URI.create(url)).GET(), 200);
        } catch (NotFound e) {
            return Json.mapper().missingNode();
        }
    }

    /** Deletes one of a user's memories, with a reason for its history; answered once the deletion is in the log. */
    public JsonNode delete(String userId, String recordId, String reason) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/memories/"
                + URLEncoder.encode(recordId, StandardCharsets.UTF_8) + "?user_id=" + URLEncoder.encode(userId, StandardCharsets.UTF_8)))
                .method("DELETE", HttpRequest.BodyPublishers.ofString(Json.mapper().createObjectNode().put("reason", reason)
                        .toString())), 202);
    }

    /**
     * Erases a data subject ({"user_id"} across agents, or {"agent_id"}, and a "reason"): needs a key with the erase
     * scope; answered once the subject's keys are destroyed and the erasure is in the log.
     */
    public JsonNode erase(JsonNode subject) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/erasure"))
                .POST(HttpRequest.BodyPublishers.ofString(subject.toString())), 202);
    }

    /** An erasure's receipt once the indexes have taken it (needs the erase scope); a missing node before. */
    public JsonNode erasureReceipt(String erasureId) throws IOException {
        return getOrMissing(queryUrl + "/v1/erasure/" + URLEncoder.encode(erasureId, StandardCharsets.UTF_8));
    }

    /** Reports memories used or not useful: {"user_id", "record_ids", "signal", "timestamp"}. */
    public JsonNode feedback(JsonNode report) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(queryUrl + "/v1/feedback"))
                .POST(HttpRequest.BodyPublishers.ofString(report.toString())), 202);
    }

    public long count(String userId) throws IOException {
        String q = userId == null ? "" : "?user_id=" + URLEncoder.encode(userId, StandardCharsets.UTF_8);
        return send(HttpRequest.newBuilder(URI.create(queryUrl + "/v1/stats" + q)).GET(), 200).path("records").asLong();
    }

    private JsonNode send(HttpRequest.Builder request, int expected) throws IOException {
        try {
            headers.forEach(request::header);
            HttpRequest built = request.header(ApiKeys.HEADER, apiKey).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(60)).build();
            var response = http.send(built, HttpResponse.BodyHandlers.ofString());
            // over the tenant's rate: wait as told and send again, as an agent should (a quota refusal has no end soon)
            for (int attempt = 0; attempt < 30 && response.statusCode() == 429 && retryAfterSeconds(response) <= 10; attempt++) {
                Thread.sleep(retryAfterSeconds(response) * 1000);
                response = http.send(built, HttpResponse.BodyHandlers.ofString());
            }
            if (response.statusCode() == 404 && expected != 404) {
                throw new NotFound(response.uri() + " answered 404: " + response.body());
            }
            if (response.statusCode() != expected) {
                throw new IOException(response.uri() + " answered " + response.statusCode() + ": " + response.body());
            }
            return Json.mapper().readTree(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static long retryAfterSeconds(HttpResponse<String> response) {
        try {
            return Math.max(1, Long.parseLong(response.headers().firstValue("Retry-After").orElse("1")));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /** The service answered 404. */
    static final class NotFound extends IOException {
        NotFound(String message) {
            super(message);
        }
    }
}
