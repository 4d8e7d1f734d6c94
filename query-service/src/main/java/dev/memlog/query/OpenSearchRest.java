package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hc.core5.http.HttpHost;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5Transport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;

/** One connection to OpenSearch: the typed client for bulk writes, JSON in and out for everything else. */
public final class OpenSearchRest implements AutoCloseable {
    private final ApacheHttpClient5Transport transport;
    private final OpenSearchClient client;

    public OpenSearchRest(String url) {
        try {
            this.transport = ApacheHttpClient5TransportBuilder.builder(HttpHost.create(url))
                    .setMapper(new JacksonJsonpMapper(Json.mapper()))
                    .build();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("invalid OPENSEARCH_URL " + url, e);
        }
        this.client = new OpenSearchClient(transport);
    }

    public OpenSearchClient typed() {
        return client;
    }

    /** Sends a JSON request; a status of 400 or more raises {@link OpenSearchException}. */
    public JsonNode call(String method, String path, String body) {
        return call(method, path, body, Map.of());
    }

    public JsonNode call(String method, String path, String body, Map<String, String> query) {
        var request = Requests.builder().method(method).endpoint(path).query(query);
        if (body != null) {
            request.json(body);
        }
        try (var response = client.generic().execute(request.build())) {
            String text = response.getBody().map(b -> b.bodyAsString()).orElse("");
            JsonNode node = text.isBlank() ? Json.mapper().nullNode() : Json.mapper().readTree(text);
            if (response.getStatus() >= 400) {
                throw new OpenSearchException(response.getStatus(), method + " " + path + " -> " + response.getStatus()
                        + ": " + node.path("error").toString());
            }
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException("OpenSearch unreachable: " + e.getMessage(), e);
        }
    }

    /** Whether a resource answers 200 to HEAD. */
    public boolean exists(String path) {
        try (var response = client.generic().execute(Requests.builder().method("HEAD").endpoint(path).build())) {
            return response.getStatus() == 200;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            transport.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** OpenSearch answered with an error status. */
    public static final class OpenSearchException extends RuntimeException {
        private final int status;

        OpenSearchException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
