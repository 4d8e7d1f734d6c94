package dev.memlog.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What an agent does over HTTP: append to ingest-service; search, read and count on query-service. Requests and answers
 * are the API's own JSON; a refusal is a {@link MemlogException} with the status and the field the service named.
 */
public final class MemoryClient {
    /** The header an API key travels in. */
    public static final String API_KEY_HEADER = "X-API-Key";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient SHARED = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final HttpClient http;
    private final String ingestUrl;
    private final String queryUrl;
    private final java.util.Map<String, String> headers;

    /** A client that presents an API key. */
    public MemoryClient(String ingestUrl, String queryUrl, String apiKey) {
        this(ingestUrl, queryUrl, java.util.Map.of(API_KEY_HEADER, apiKey), SHARED);
    }

    private MemoryClient(String ingestUrl, String queryUrl, java.util.Map<String, String> headers, HttpClient http) {
        this.ingestUrl = trimmed(ingestUrl);
        this.queryUrl = trimmed(queryUrl);
        this.headers = java.util.Map.copyOf(headers);
        this.http = http;
    }

    /** A client that presents a bearer token (an OIDC access token) instead of an API key. */
    public static MemoryClient withBearer(String ingestUrl, String queryUrl, String token) {
        return new MemoryClient(ingestUrl, queryUrl, java.util.Map.of("Authorization", "Bearer " + token), SHARED);
    }

    /**
     * A client that presents a credential exactly as another request carried it: its headers ({@code X-API-Key},
     * {@code Authorization}) by name, for a gateway acting on its caller's behalf.
     */
    public static MemoryClient forwarding(String ingestUrl, String queryUrl, java.util.Map<String, String> credential) {
        return new MemoryClient(ingestUrl, queryUrl, credential, SHARED);
    }

    private static String trimmed(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The same client sending these headers too, e.g. a {@code traceparent} that joins its requests to a trace. */
    public MemoryClient withHeaders(java.util.Map<String, String> extra) {
        var all = new java.util.HashMap<>(headers);
        all.putAll(extra);
        return new MemoryClient(ingestUrl, queryUrl, all, http);
    }

    /** One turn of a conversation: {"user_id", "session_id", "role", "text", ...}. */
    public JsonNode appendTurn(JsonNode turn) throws IOException {
        return post(ingestUrl + "/v1/turns", turn, 202);
    }

    public JsonNode appendTurns(JsonNode batch) throws IOException {
        return post(ingestUrl + "/v1/turns/batch", batch, 202);
    }

    /** An explicit memory: something an agent asks to keep ("Ann is allergic to peanuts", "always answer in French"). */
    public JsonNode remember(JsonNode memory) throws IOException {
        return post(ingestUrl + "/v1/memories", memory, 202);
    }

    /** The latest turns of one session of a user, from working memory. */
    public JsonNode workingMemory(String userId, String sessionId) throws IOException {
        return workingMemory(query("user_id", userId, "session_id", sessionId));
    }

    /** Working memory of the owner and session the parameters name ({@code user_id}, {@code agent_id}, {@code session_id}). */
    public JsonNode workingMemory(java.util.Map<String, String> parameters) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(queryUrl + "/v1/working-memory" + queryString(parameters))).GET(), 200);
    }

    /**
     * A page of one owner's memories, newest first: parameters {@code user_id} or {@code agent_id}, and optionally
     * {@code tier}, {@code session_id}, {@code observed_after}, {@code observed_before}, {@code as_of}, {@code limit},
     * {@code cursor} (a previous page's {@code next_cursor}).
     */
    public JsonNode listMemories(java.util.Map<String, String> parameters) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(queryUrl + "/v1/memories" + queryString(parameters))).GET(), 200);
    }

    /**
     * One memory of the owner the parameters name ({@code user_id} or {@code agent_id}), as it stands now, with
     * {@code live} and {@code state}; a missing node when the owner has no such memory.
     */
    public JsonNode memory(String recordId, java.util.Map<String, String> owner) throws IOException {
        return getOrMissing(queryUrl + "/v1/memories/" + segment(recordId) + queryString(owner));
    }

    /** Every version of one memory of the owner the parameters name, with why it changed; missing for a 404. */
    public JsonNode history(String recordId, java.util.Map<String, String> owner) throws IOException {
        return getOrMissing(queryUrl + "/v1/memories/" + segment(recordId) + "/history" + queryString(owner));
    }

    /** Deletes one memory of the owner the parameters name, with a reason for its history. */
    public JsonNode delete(String recordId, java.util.Map<String, String> owner, String reason) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/memories/" + segment(recordId) + queryString(owner)))
                .method("DELETE", HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("reason", reason)
                        .toString())), 202);
    }

    /** {@code key=value} pairs, in order, as a map of query parameters. */
    public static java.util.Map<String, String> query(String... keysAndValues) {
        var map = new java.util.LinkedHashMap<String, String>();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) {
                map.put(keysAndValues[i], keysAndValues[i + 1]);
            }
        }
        return map;
    }

    static String queryString(java.util.Map<String, String> parameters) {
        StringBuilder q = new StringBuilder();
        parameters.forEach((name, value) -> {
            if (value != null) {
                q.append(q.isEmpty() ? '?' : '&').append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                        .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        });
        return q.toString();
    }

    /** A path segment: URLEncoder's '+' for a space is a literal '+' in a path. */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    public JsonNode search(ObjectNode request) throws IOException {
        return post(queryUrl + "/v1/search", request, 200);
    }

    public JsonNode context(ObjectNode request) throws IOException {
        return post(queryUrl + "/v1/context", request, 200);
    }

    /** Live and forgotten memory counts of the tenant, or of one user. */
    public JsonNode stats(String userId) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(queryUrl + "/v1/stats" + queryString(query("user_id", userId)))).GET(), 200);
    }

    /**
     * Every version of one of a user's memories with why it changed, and its use history; a missing node when there is
     * no such memory yet.
     */
    public JsonNode history(String userId, String recordId) throws IOException {
        return history(recordId, query("user_id", userId));
    }

    /** The same for one of an agent's own memories (those naming no user). */
    public JsonNode historyOfAgent(String agentId, String recordId) throws IOException {
        return history(recordId, query("agent_id", agentId));
    }

    /** Where a memory of a user came from and what became of it, with log positions; a missing node for a 404. */
    public JsonNode lineage(String userId, String recordId) throws IOException {
        return getOrMissing(queryUrl + "/v1/memories/" + segment(recordId) + "/lineage" + queryString(query("user_id", userId)));
    }

    /** A GET answered 200, or a missing node for a 404. */
    private JsonNode getOrMissing(String url) throws IOException {
        try {
            return send(HttpRequest.newBuilder(URI.create(url)).GET(), 200);
        } catch (MemlogException.NotFound e) {
            return JSON.missingNode();
        }
    }

    /** Deletes one of a user's memories, with a reason for its history; answered once the deletion is in the log. */
    public JsonNode delete(String userId, String recordId, String reason) throws IOException {
        return delete(recordId, query("user_id", userId), reason);
    }

    /**
     * Erases a data subject ({"user_id"} across agents, or {"agent_id"}, and a "reason"): needs a key with the erase
     * scope; answered once the subject's keys are destroyed and the erasure is in the log.
     */
    public JsonNode erase(JsonNode subject) throws IOException {
        return post(ingestUrl + "/v1/erasure", subject, 202);
    }

    /** An erasure's receipt once the indexes have taken it (needs the erase scope); a missing node before. */
    public JsonNode erasureReceipt(String erasureId) throws IOException {
        return getOrMissing(queryUrl + "/v1/erasure/" + segment(erasureId));
    }

    /** Reports memories used or not useful: {"user_id", "record_ids", "signal", "timestamp"}. */
    public JsonNode feedback(JsonNode report) throws IOException {
        return post(queryUrl + "/v1/feedback", report, 202);
    }

    public long count(String userId) throws IOException {
        return stats(userId).path("records").asLong();
    }

    private JsonNode post(String url, JsonNode body, int expected) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body.toString())), expected);
    }

    private JsonNode send(HttpRequest.Builder request, int expected) throws IOException {
        try {
            headers.forEach(request::header);
            HttpRequest built = request.header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(60)).build();
            var response = http.send(built, HttpResponse.BodyHandlers.ofString());
            // over the tenant's rate: wait as told and send again, as an agent should (a quota refusal has no end soon)
            for (int attempt = 0; attempt < 30 && response.statusCode() == 429 && retryAfterSeconds(response) <= 10; attempt++) {
                Thread.sleep(retryAfterSeconds(response) * 1000);
                response = http.send(built, HttpResponse.BodyHandlers.ofString());
            }
            if (response.statusCode() != expected) {
                throw MemlogException.of(response);
            }
            return JSON.readTree(response.body());
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
}
