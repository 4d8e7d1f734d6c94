package dev.memlog.query;

import dev.memlog.common.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Searchers asking one question again and again until closed, each answer that is not 200 with hits a failure. */
final class Searchers implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger answered = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();

    Searchers(int count, int port, String authorization, String body) {
        HttpClient http = HttpClient.newHttpClient();
        for (int t = 0; t < count; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    try {
                        var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/search"))
                                .header("Authorization", authorization).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() != 200 || Json.mapper().readTree(response.body()).path("hits").isEmpty()) {
                            failures.add(response.statusCode() + " " + response.body());
                        }
                        answered.incrementAndGet();
                        Thread.sleep(10);
                    } catch (Exception e) {
                        failures.add(e.toString());
                        return;
                    }
                }
            }));
        }
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    int answered() {
        return answered.get();
    }

    /** Stops them and waits until every one has finished its last request. */
    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
    }
}
