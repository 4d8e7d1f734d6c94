package dev.memlog.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * A local HTTP server speaking the OpenAI chat-completions protocol, standing in for a paid LLM endpoint that
 * cannot run here: each request body is kept, and the reply's content comes from a function of that body.
 */
public final class OpenAiCompatibleStub implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile UnaryOperator<String> replies;
    private volatile int status = 200;
    private volatile long delayMillis;

    /** @param replies from the raw request body (JSON) to the assistant message's content */
    public OpenAiCompatibleStub(UnaryOperator<String> replies) {
        this.replies = replies;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/v1/chat/completions", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(body);
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] out = (status == 200 ? completion(replies.apply(body))
                    : "{\"error\":{\"message\":\"stub failure\",\"type\":\"server_error\"}}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.start();
    }

    /** The base URL a client is given, ending in /v1. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public List<String> requests() {
        return List.copyOf(requests);
    }

    public void reply(UnaryOperator<String> newReplies) {
        this.replies = newReplies;
    }

    /** Makes every following answer take this long, as a slow endpoint does (zero restores prompt answers). */
    public void delay(java.time.Duration delay) {
        this.delayMillis = delay.toMillis();
    }

    /** Makes every following request fail with this HTTP status (200 restores normal replies). */
    public void failWith(int newStatus) {
        this.status = newStatus;
    }

    private static String completion(String content) {
        ObjectNode completion = JSON.createObjectNode().put("id", "chatcmpl-stub").put("object", "chat.completion")
                .put("created", 1_700_000_000L).put("model", "stub");
        ObjectNode choice = completion.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop");
        choice.putObject("message").put("role", "assistant").put("content", content);
        completion.putObject("usage").put("prompt_tokens", 1).put("completion_tokens", 1).put("total_tokens", 2);
        return completion.toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
