package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.message.BasicHeader;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.transport.httpclient5.ResponseException;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5Transport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;

/** One connection to OpenSearch: the typed client for bulk writes, JSON in and out for everything else. */
public final class OpenSearchRest implements AutoCloseable {
    private final ApacheHttpClient5Transport transport;
    private final OpenSearchClient client;

    public OpenSearchRest(String url) {
        this(OpenSearchConnection.of(url));
    }

    public OpenSearchRest(OpenSearchConnection connection) {
        HttpHost host = new HttpHost(connection.url().getScheme(), connection.url().getHost(),
                connection.url().getPort() < 0 ? (connection.url().getScheme().equals("https") ? 443 : 80) : connection.url().getPort());
        var builder = ApacheHttpClient5TransportBuilder.builder(host).setMapper(new JacksonJsonpMapper(Json.mapper()));
        if (connection.auth() instanceof OpenSearchConnection.Auth.Basic basic) {
            // sent with every request rather than after a challenge: one round trip, and no request retried
            builder.setDefaultHeaders(new Header[] {new BasicHeader("Authorization", basic.header())});
        }
        var trust = connection.trust();
        if (trust.isPresent()) {
            var tls = ClientTlsStrategyBuilder.create().setSslContext(trust.get()).buildAsync();
            // the pool the transport would make itself (10 a node, 30 in all), with the private CA's trust
            builder.setHttpClientConfigCallback(client -> client.setConnectionManager(
                    PoolingAsyncClientConnectionManagerBuilder.create().setTlsStrategy(tls)
                            .setMaxConnPerRoute(10).setMaxConnTotal(30).build()));
        }
        String path = connection.url().getPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            builder.setPathPrefix(path);
        }
        this.transport = builder.build();
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
            throw failure(e, method + " " + path);
        }
    }

    /**
     * The transport reports a 401 or 403 as an exception of its own, not as a response: it is the cluster refusing
     * the credentials, not a cluster away, and the operator is told which settings to look at.
     */
    private static RuntimeException failure(IOException e, String what) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ResponseException response && (response.status() == 401 || response.status() == 403)) {
                String hint = response.status() == 401
                        ? "the credentials were refused: check OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD"
                        : "the user may not do this: give it the index permissions (docs/deploy.md)";
                return new OpenSearchException(response.status(), what + " -> " + response.status() + ": " + hint);
            }
        }
        return new UncheckedIOException("OpenSearch unreachable: " + e.getMessage(), e);
    }

    /** Whether a resource answers 200 to HEAD. */
    public boolean exists(String path) {
        try (var response = client.generic().execute(Requests.builder().method("HEAD").endpoint(path).build())) {
            return response.getStatus() == 200;
        } catch (IOException e) {
            throw failure(e, "HEAD " + path);
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
