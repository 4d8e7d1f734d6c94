package dev.memlog.faults.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * Sends generated requests to the real services and judges each answer: never a 5xx or no answer at all, and every
 * 4xx a JSON object whose {@code error} (or, from the schema registry, {@code message}) says what was wrong.
 */
public final class FuzzClient {
    /**
     * Where each service answers, the API key the tenant-facing ones take, and the Authorization header the internal
     * ones (consolidation, the registry) take.
     */
    public record Targets(Map<String, String> baseUrls, String apiKey, String serviceAuthorization) {
        public Targets {
            baseUrls = Map.copyOf(baseUrls);
        }
    }

    /** An answer and, when it broke a rule, what rule. */
    public record Verdict(FuzzRequest request, int status, String body, String problem) {
    }

    private final Targets targets;
    private final FuzzTally tally;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    public FuzzClient(Targets targets, FuzzTally tally) {
        this.targets = targets;
        this.tally = tally;
    }

    public Verdict send(FuzzRequest request) {
        Verdict verdict;
        try {
            var builder = HttpRequest.newBuilder(URI.create(targets.baseUrls().get(request.service()) + request.path()))
                    .timeout(Duration.ofSeconds(60))
                    .method(request.method(), request.body() == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(request.body()));
            if (request.contentType() != null) {
                builder.header("Content-Type", request.contentType());
            }
            if (!request.mutation().contains("no key")) {
                if (request.service().equals("consolidation") || request.service().equals("registry")) {
                    builder.header("Authorization", targets.serviceAuthorization());
                } else {
                    builder.header(ApiKeys.HEADER, targets.apiKey());
                }
            }
            HttpRequest built = builder.build();
            HttpResponse<String> response;
            try {
                response = http.send(built, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                if (!closedWhileIdle(e)) {
                    throw e;
                }
                // the server closed a pooled connection for idleness as the client reused it: the request never
                // reached a handler, so it is judged on a connection of its own
                tally.staleConnection();
                try (var fresh = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
                    response = fresh.send(built, HttpResponse.BodyHandlers.ofString());
                }
            }
            verdict = judge(request, response.statusCode(), response.body());
        } catch (IOException e) {
            verdict = new Verdict(request, -1, null, "no answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            verdict = new Verdict(request, -1, null, "interrupted");
        } catch (IllegalArgumentException e) {
            // a request the client itself refuses to send is the generator's mistake, not the platform's
            throw new IllegalStateException("generated an unsendable request: " + request, e);
        }
        tally.record(verdict);
        return verdict;
    }

    /** What the JDK client reports when the peer closed the connection before a single byte of the answer. */
    static boolean closedWhileIdle(IOException e) {
        return e.getMessage() != null && e.getMessage().contains("header parser received no bytes");
    }

    static Verdict judge(FuzzRequest request, int status, String body) {
        if (status >= 500) {
            return new Verdict(request, status, body, status + " " + clip(body));
        }
        if (status >= 400 && !"HEAD".equals(request.method())) {
            try {
                JsonNode error = Json.mapper().readTree(body);
                JsonNode message = error.has("error") ? error.get("error") : error.get("message");
                if (message == null || !message.isTextual() || message.asText().isBlank()) {
                    return new Verdict(request, status, body, status + " without a message: " + clip(body));
                }
            } catch (IOException | RuntimeException e) {
                return new Verdict(request, status, body, status + " not JSON: " + clip(body));
            }
        }
        return new Verdict(request, status, body, null);
    }

    private static String clip(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
