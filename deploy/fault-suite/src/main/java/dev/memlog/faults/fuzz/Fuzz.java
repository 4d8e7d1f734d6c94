package dev.memlog.faults.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/** Runs the fuzz against a running stack and checks it still does its job afterwards. */
public final class Fuzz {
    private Fuzz() {
    }

    /** Sends {@code count} generated requests, {@code parallel} at a time, and tallies the answers. */
    public static FuzzTally run(FuzzClient.Targets targets, String tenant, int count, int parallel) throws InterruptedException {
        var tally = new FuzzTally();
        var client = new FuzzClient(targets, tally);
        var generator = new FuzzRequests(tenant);
        var slots = new Semaphore(parallel);
        try (var workers = Executors.newVirtualThreadPerTaskExecutor()) {
            var requests = generator.any().sampleStream().limit(count).iterator();
            while (requests.hasNext()) {
                FuzzRequest request = requests.next();
                slots.acquire();
                workers.submit(() -> {
                    try {
                        client.send(request);
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        return tally;
    }

    /**
     * After the fuzz, the platform still does its job: a normal turn appended now is searchable within {@code timeout}.
     */
    public static boolean aNormalTurnConsolidates(String ingestUrl, String queryUrl, String apiKey, Duration timeout)
            throws Exception {
        var http = HttpClient.newHttpClient();
        String marker = "after-fuzz-" + UUID.randomUUID();
        String turn = Json.mapper().createObjectNode().put("user_id", "after-fuzz").put("session_id", "after-fuzz")
                .put("role", "user").put("content", "The " + marker + " parcel is in the shed behind the greenhouse.").toString();
        var appended = http.send(HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/turns")).header(ApiKeys.HEADER, apiKey)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(turn)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (appended.statusCode() != 202) {
            return false;
        }
        String search = Json.mapper().createObjectNode().put("query", "where is the " + marker + " parcel?")
                .put("user_id", "after-fuzz").put("mode", "bm25").put("reinforce", false).toString();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            var found = http.send(HttpRequest.newBuilder(URI.create(queryUrl + "/v1/search")).header(ApiKeys.HEADER, apiKey)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(search)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (found.statusCode() == 200) {
                JsonNode hits = Json.mapper().readTree(found.body()).path("hits");
                for (JsonNode hit : hits) {
                    if (hit.path("text").asText().contains(marker)) {
                        return true;
                    }
                }
            }
            Thread.sleep(500);
        }
        return false;
    }
}
