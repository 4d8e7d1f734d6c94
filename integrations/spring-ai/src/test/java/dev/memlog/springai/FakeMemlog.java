package dev.memlog.springai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.memlog.client.MemoryClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Ingest and query in one small HTTP server, for the adapter's unit tests: appended turns are kept in order, and
 * reach working memory only when the test consolidates them, as the platform does seconds later.
 */
final class FakeMemlog implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpServer server;
    /** Every turn appended, in order, as sent. */
    final List<JsonNode> appended = new CopyOnWriteArrayList<>();
    /** Turns in working memory, as the API gives them. */
    final List<JsonNode> working = new CopyOnWriteArrayList<>();
    /** Requests to append that were answered with an error. */
    final List<JsonNode> refused = new CopyOnWriteArrayList<>();
    final List<JsonNode> contextRequests = new CopyOnWriteArrayList<>();
    final List<JsonNode> feedback = new CopyOnWriteArrayList<>();
    final List<String> workingMemoryQueries = new CopyOnWriteArrayList<>();
    volatile String contextPack = "{\"context\":\"\",\"items\":[],\"tokens\":0}";
    volatile int appendStatus = 202;

    FakeMemlog() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/v1/turns", exchange -> {
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            if (appendStatus != 202) {
                refused.add(body);
                respond(exchange, appendStatus, "{\"error\":\"log unavailable\"}");
                return;
            }
            ObjectNode out = JSON.createObjectNode();
            if (exchange.getRequestURI().getPath().endsWith("/batch")) {
                var ids = out.putArray("event_ids");
                body.path("turns").forEach(t -> {
                    appended.add(t);
                    ids.add(t.path("event_id").asText());
                });
            } else {
                appended.add(body);
                out.put("event_id", body.path("event_id").asText());
            }
            respond(exchange, 202, out.toString());
        });
        server.createContext("/v1/working-memory", exchange -> {
            workingMemoryQueries.add(exchange.getRequestURI().getRawQuery());
            ObjectNode out = JSON.createObjectNode();
            working.forEach(out.putArray("turns")::add);
            respond(exchange, 200, out.toString());
        });
        server.createContext("/v1/context", exchange -> {
            contextRequests.add(JSON.readTree(exchange.getRequestBody()));
            respond(exchange, 200, contextPack);
        });
        server.createContext("/v1/feedback", exchange -> {
            feedback.add(JSON.readTree(exchange.getRequestBody()));
            respond(exchange, 202, "{\"access_id\":\"a1\",\"records\":1}");
        });
        server.start();
    }

    MemoryClient client() {
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        return new MemoryClient(url, url, "test-key");
    }

    /** Every appended turn not in working memory yet goes there, as consolidation would put it. */
    void consolidate() {
        List<String> there = new ArrayList<>();
        working.forEach(t -> there.add(t.path("event_id").asText()));
        for (JsonNode turn : appended) {
            if (!there.contains(turn.path("event_id").asText())) {
                String speaker = turn.path("metadata").path("speaker").asText(turn.path("role").asText());
                working.add(JSON.createObjectNode().put("event_id", turn.path("event_id").asText()).put("speaker", speaker)
                        .put("text", turn.path("content").asText()).put("occurred_at", "2026-01-02T10:00:00Z"));
            }
        }
    }

    List<String> appendedTexts() {
        return appended.stream().map(t -> t.path("content").asText()).toList();
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] out = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, out.length);
        exchange.getResponseBody().write(out);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
