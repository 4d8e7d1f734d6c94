package dev.memlog.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * Client for the Confluent Schema Registry REST API (also served by Karapace, Redpanda, Apicurio's ccompat API
 * and memlog's own registry). Ids are immutable, so lookups are cached for the life of the client.
 */
public final class SchemaRegistryClient implements SchemaRegistry {

    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One registered version of a subject. */
    public record SchemaVersion(String subject, int version, int id, Schema schema) {
    }

    private final URI base;
    private final String authorization;
    private final HttpClient http;
    private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Integer>> idBySubjectAndSchema = new ConcurrentHashMap<>();

    /** A registry that asks no credential. */
    public SchemaRegistryClient(String baseUrl) {
        this(baseUrl, null);
    }

    /** @param authorization the Authorization header every request carries ("Bearer ...", "Basic ..."), or null */
    public SchemaRegistryClient(String baseUrl, String authorization) {
        this(baseUrl, authorization, null);
    }

    /** @param trust TLS trusting a private CA for an https:// registry, or null for the JVM's trusted CAs */
    public SchemaRegistryClient(String baseUrl, String authorization, javax.net.ssl.SSLContext trust) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        this.authorization = authorization;
        var builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (trust != null) {
            builder.sslContext(trust);
        }
        this.http = builder.build();
    }

    public String baseUrl() {
        return base.toString();
    }

    /** Registers the schema under the subject (idempotent) and returns its global id. */
    @Override
    public int register(String subject, Schema schema) {
        String canonical = schema.toString();
        Map<String, Integer> cache = idBySubjectAndSchema.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = cache.get(canonical);
        if (cached != null) {
            return cached;
        }
        JsonNode response = send("POST", "subjects/" + enc(subject) + "/versions", schemaBody(schema));
        int id = response.path("id").asInt();
        cache.put(canonical, id);
        byId.putIfAbsent(id, schema);
        return id;
    }

    /** The schema registered under a global id. */
    @Override
    public Schema schemaById(int id) {
        return byId.computeIfAbsent(id, i -> parse(send("GET", "schemas/ids/" + i, null).path("schema").asText()));
    }

    /** Whether the schema could be registered as the subject's next version under its compatibility level. */
    public boolean isCompatible(String subject, Schema schema) {
        JsonNode response = send("POST", "compatibility/subjects/" + enc(subject) + "/versions/latest", schemaBody(schema));
        return response.path("is_compatible").asBoolean(false);
    }

    public SchemaVersion latest(String subject) {
        return version(subject, "latest");
    }

    public SchemaVersion version(String subject, String version) {
        JsonNode node = send("GET", "subjects/" + enc(subject) + "/versions/" + version, null);
        return new SchemaVersion(node.path("subject").asText(), node.path("version").asInt(), node.path("id").asInt(),
                parse(node.path("schema").asText()));
    }

    public List<String> subjects() {
        List<String> subjects = new ArrayList<>();
        send("GET", "subjects", null).forEach(n -> subjects.add(n.asText()));
        return subjects;
    }

    /** Sets the compatibility level of a subject (NONE, BACKWARD, FORWARD, FULL and their _TRANSITIVE forms). */
    public void setCompatibility(String subject, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        send("PUT", subject == null ? "config" : "config/" + enc(subject), body);
    }

    private static ObjectNode schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString());
    }

    private static Schema parse(String text) {
        return new Schema.Parser().parse(text);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Tries a request up to three times when the registry cannot be reached or fails on its side. */
    private JsonNode send(String method, String path, JsonNode body) {
        SchemaRegistryException last = null;
        for (long backoff : new long[] {0, 200, 1000}) {
            if (backoff > 0) {
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SchemaRegistryException("interrupted while calling the schema registry", e);
                }
            }
            try {
                return sendOnce(method, path, body);
            } catch (SchemaRegistryException e) {
                if (!e.isTransient()) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    private JsonNode sendOnce(String method, String path, JsonNode body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                    .timeout(Duration.ofSeconds(10))
                    .header("Accept", CONTENT_TYPE + ", application/json");
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpRequest.BodyPublisher publisher = body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
            if (body != null) {
                request.header("Content-Type", CONTENT_TYPE);
            }
            HttpResponse<String> response = http.send(request.method(method, publisher).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode node = response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
            if (response.statusCode() >= 400) {
                throw new SchemaRegistryException(response.statusCode(), node.path("error_code").asInt(response.statusCode()),
                        node.path("message").asText("schema registry error"));
            }
            return node;
        } catch (IOException e) {
            throw new SchemaRegistryException("schema registry at " + base + " unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("interrupted while calling the schema registry", e);
        }
    }
}
