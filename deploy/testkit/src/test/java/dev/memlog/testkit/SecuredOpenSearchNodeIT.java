package dev.memlog.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The secured node as a client sees it: HTTPS trusted through the CA PEM, basic auth, and k-NN still at work. */
class SecuredOpenSearchNodeIT {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    static SecuredOpenSearchNode node;
    static HttpClient https;

    @BeforeAll
    static void start() throws Exception {
        long started = System.nanoTime();
        node = OpenSearchNode.startSecured(dir.resolve("opensearch"));
        System.out.printf("secured node green at %s in %d ms%n", node.url(), (System.nanoTime() - started) / 1_000_000);
        https = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(trusting(node.caCertificate())).build();
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void answersWithTheCaAndTheAdminCredentials() throws Exception {
        var response = send("GET", "/_cluster/health", null, basic(node.username(), node.password()));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).path("status").asText()).isEqualTo("green");
        assertThat(node.url()).startsWith("https://127.0.0.1:");
    }

    @Test
    void refusesARequestWithoutCredentials() throws Exception {
        assertThat(send("GET", "/_cluster/health", null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void refusesAWrongPassword() throws Exception {
        assertThat(send("GET", "/_cluster/health", null, basic(node.username(), node.password() + "x")).statusCode())
                .isEqualTo(401);
    }

    @Test
    void doesNotAnswerPlainHttp() {
        var plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        var request = HttpRequest.newBuilder(URI.create(node.url().replace("https://", "http://") + "/_cluster/health"))
                .header("Authorization", basic(node.username(), node.password())).timeout(Duration.ofSeconds(10)).build();
        assertThatThrownBy(() -> plain.send(request, HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    }

    @Test
    void createsFillsAndQueriesAKnnIndex() throws Exception {
        String auth = basic(node.username(), node.password());
        var created = send("PUT", "/vectors", """
                {"settings": {"index": {"knn": true, "number_of_shards": 1, "number_of_replicas": 0}},
                 "mappings": {"properties": {"v": {"type": "knn_vector", "dimension": 3,
                   "method": {"name": "hnsw", "space_type": "cosinesimil", "engine": "lucene"}}}}}
                """, auth);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        var bulk = send("POST", "/vectors/_bulk?refresh=true", """
                {"index": {"_id": "east"}}
                {"v": [1.0, 0.0, 0.0]}
                {"index": {"_id": "north"}}
                {"v": [0.0, 1.0, 0.0]}
                {"index": {"_id": "up"}}
                {"v": [0.0, 0.0, 1.0]}
                """, auth);
        assertThat(bulk.statusCode()).as(bulk.body()).isEqualTo(200);
        assertThat(JSON.readTree(bulk.body()).path("errors").asBoolean()).as(bulk.body()).isFalse();

        var found = send("POST", "/vectors/_search", """
                {"size": 2, "query": {"knn": {"v": {"vector": [0.9, 0.1, 0.0], "k": 2}}}}
                """, auth);
        assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
        JsonNode hits = JSON.readTree(found.body()).path("hits").path("hits");
        assertThat(hits).hasSize(2);
        assertThat(hits.get(0).path("_id").asText()).isEqualTo("east");
        assertThat(hits.get(1).path("_id").asText()).isEqualTo("north");
    }

    static HttpResponse<String> send(String method, String path, String body, String authorization) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(node.url() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return https.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Trusts only the certificates signed by the CA in this PEM file, as any client of the node would. */
    static SSLContext trusting(Path caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(caPem)) {
            trust.setCertificateEntry("memlog-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
