package dev.memlog.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Documents bulk-indexed straight into OpenSearch, a number of requests in flight, each sent again while the node is too
 * busy for it (429): the engine alone, as a baseline, or to fill an index faster than the log would.
 */
final class EngineBulk {
    private final HttpClient http = HttpClient.newHttpClient();
    private final String url;

    EngineBulk(String openSearchUrl) {
        this.url = openSearchUrl;
    }

    /** Indexes every document (id and source) into {@code index} in requests of {@code size}; returns seconds taken. */
    double index(String index, List<Map.Entry<String, Map<String, Object>>> documents, int size, int inFlight) throws Exception {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(inFlight);
        try {
            List<Future<?>> requests = new ArrayList<>();
            for (int start = 0; start < documents.size(); start += size) {
                var slice = documents.subList(start, Math.min(documents.size(), start + size));
                requests.add(pool.submit(() -> {
                    StringBuilder body = new StringBuilder();
                    for (var doc : slice) {
                        var header = Json.mapper().createObjectNode();
                        header.putObject("index").put("_index", index).put("_id", doc.getKey());
                        body.append(header).append('\n').append(Json.mapper().writeValueAsString(doc.getValue())).append('\n');
                    }
                    send(body.toString());
                    return null;
                }));
            }
            for (var request : requests) {
                request.get();
            }
        } finally {
            pool.shutdown();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private void send(String body) throws Exception {
        for (int attempt = 1; ; attempt++) {
            var response = http.send(HttpRequest.newBuilder(URI.create(url + "/_bulk")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode answer = Json.mapper().readTree(response.body());
            boolean busy = response.statusCode() == 429 || answer.path("items").findValues("status").stream()
                    .anyMatch(status -> status.asInt() == 429);
            if (busy && attempt < 10) {
                Thread.sleep(Math.min(5000, 100L << attempt));
                continue;
            }
            if (response.statusCode() >= 300 || answer.path("errors").asBoolean()) {
                throw new IllegalStateException("bulk refused: " + response.body().substring(0, Math.min(500, response.body().length())));
            }
            return;
        }
    }

    /** A request to the node, its answer as JSON; a status of 300 or more fails. */
    JsonNode call(String method, String path, String body) throws Exception {
        var response = http.send(HttpRequest.newBuilder(URI.create(url + path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
        }
        return Json.mapper().readTree(response.body());
    }
}
