package dev.memlog.common.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;
import dev.memlog.common.auth.Scope;
import io.javalin.security.RouteRole;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * A service's OpenAPI document held against the service itself: its operations against the routes the server answers
 * (both ways, with the scopes each declares), the conventions every operation keeps (scopes, the shared error shape),
 * and real responses against the status codes, media types and schemas documented for them.
 */
public final class OpenApiContract {
    /** Where the document's schemas resolve from: a name, never fetched. */
    private static final String BASE = "https://memlog.dev/openapi/";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    private static final String ERROR_REF = "#/components/schemas/Error";
    private static final String HEALTH = "/components/responses/Health";

    private final String name;
    private final String yaml;
    private final JsonNode document;
    private final String iri;
    private final SchemaRegistry registry;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    private OpenApiContract(String name, String yaml) {
        this.name = name;
        this.yaml = yaml;
        try {
            this.document = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(name + " is not valid YAML", e);
        }
        this.iri = BASE + name.replaceAll("[^A-Za-z0-9._-]", "_") + ".json";
        this.registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi31(), builder -> builder
                .schemas(Map.of(iri, document.toString()))
                .schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    }

    /** The document at {@code resource} on the classpath. */
    public static OpenApiContract load(String resource) {
        try (InputStream in = OpenApiContract.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no OpenAPI document " + resource + " on the classpath");
            }
            return new OpenApiContract(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A document given as text. */
    public static OpenApiContract of(String name, String yaml) {
        return new OpenApiContract(name, yaml);
    }

    public JsonNode document() {
        return document;
    }

    /** What swagger-parser finds wrong with the document (references that lead nowhere, misplaced fields): none, if well made. */
    public List<String> parserMessages() {
        var options = new ParseOptions();
        options.setResolve(true);
        var result = new OpenAPIV3Parser().readContents(yaml, null, options);
        List<String> messages = new ArrayList<>(result.getMessages() == null ? List.of() : result.getMessages());
        if (result.getOpenAPI() == null) {
            messages.add("the document could not be read as OpenAPI");
        }
        return messages;
    }

    /** One documented operation and the scopes it says it requires. */
    public record Operation(String method, String path, Set<String> scopes) {
        @Override
        public String toString() {
            return method + " " + path + " " + scopes;
        }
    }

    public List<Operation> operations() {
        List<Operation> operations = new ArrayList<>();
        document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            if (METHODS.contains(op.getKey())) {
                Set<String> scopes = new TreeSet<>();
                op.getValue().path("x-memlog-scopes").forEach(s -> scopes.add(s.asText()));
                operations.add(new Operation(op.getKey().toUpperCase(Locale.ROOT), path.getKey(), scopes));
            }
        }));
        return operations;
    }

    /** A route's scopes by the names the document uses. */
    public static Set<String> scopes(ServiceServer.Route route) {
        return route.scopes().stream().map(OpenApiContract::label).collect(Collectors.toCollection(TreeSet::new));
    }

    private static String label(RouteRole role) {
        return role instanceof Scope scope ? scope.label() : role.toString().toLowerCase(Locale.ROOT);
    }

    /**
     * Every route the server answers that the document lacks or documents with other scopes, and every documented
     * operation the server does not answer: empty when the two agree.
     */
    public List<String> differences(List<ServiceServer.Route> routes) {
        Map<String, Set<String>> served = new java.util.TreeMap<>();
        routes.forEach(r -> served.put(r.method() + " " + r.path(), scopes(r)));
        Map<String, Set<String>> documented = new java.util.TreeMap<>();
        operations().forEach(o -> documented.put(o.method() + " " + o.path(), o.scopes()));
        List<String> differences = new ArrayList<>();
        served.forEach((route, scopes) -> {
            Set<String> declared = documented.get(route);
            if (declared == null) {
                differences.add(route + " is served (scopes " + scopes + ") but not documented in " + name);
            } else if (!declared.equals(scopes)) {
                differences.add(route + " requires scopes " + scopes + " but " + name + " documents " + declared);
            }
        });
        documented.keySet().stream().filter(op -> !served.containsKey(op))
                .forEach(op -> differences.add(op + " is documented in " + name + " but no route serves it"));
        return differences;
    }

    /**
     * What every operation must say: its scopes (and no credential for a public one, a credential otherwise, with the
     * 401 and 403 that follow), an id and a summary, and the shared error shape for every 4xx and 5xx it answers (but
     * a probe's 503, the {@code Health} response: DOWN, with the checks that failed).
     */
    public List<String> conventionViolations() {
        List<String> violations = new ArrayList<>();
        if (!document.path("openapi").asText().startsWith("3.1.")) {
            violations.add(name + " is OpenAPI " + document.path("openapi").asText() + ", not 3.1");
        }
        for (Operation op : operations()) {
            JsonNode node = operation(op.method(), op.path());
            String at = op.method() + " " + op.path();
            if (op.scopes().isEmpty()) {
                violations.add(at + " declares no x-memlog-scopes");
            }
            for (String scope : op.scopes()) {
                try {
                    Scope.valueOf(scope.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    violations.add(at + " declares an unknown scope " + scope);
                }
            }
            if (!node.path("operationId").isTextual() || !node.path("summary").isTextual()) {
                violations.add(at + " needs an operationId and a summary");
            }
            boolean open = op.scopes().contains("public");
            JsonNode security = node.get("security");
            if (open && op.scopes().size() > 1) {
                violations.add(at + " is public and scoped at once");
            }
            if (open && (security == null || !security.isArray() || !security.isEmpty())) {
                violations.add(at + " is public: it must say security: [] (no credential)");
            }
            if (!open && security != null && security.isEmpty()) {
                violations.add(at + " needs a credential but says security: []");
            }
            if (!open && (response(op.method(), op.path(), "401") == null || response(op.method(), op.path(), "403") == null)) {
                violations.add(at + " needs a credential: it must document 401 and 403");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.path("responses").properties().iterator(); it.hasNext(); ) {
                var entry = it.next();
                if (entry.getKey().startsWith("4") || entry.getKey().startsWith("5")) {
                    Resolved r = resolve(entry.getValue(), pointer(op.method(), op.path()) + "/responses/" + entry.getKey());
                    if (r.pointer().equals(HEALTH)) {
                        continue;
                    }
                    JsonNode schema = r.node().path("content").path("application/json").path("schema");
                    if (!ERROR_REF.equals(schema.path("$ref").asText())) {
                        violations.add(at + " answers " + entry.getKey() + " without the shared Error schema");
                    }
                }
            }
        }
        return violations;
    }

    /**
     * One request as a client sends it (a JSON body, accepting JSON or an event stream as MCP clients do), on a
     * connection of its own: one the server refused before reading its body is not one to reuse.
     *
     * @param headers further headers by name, such as the credential
     */
    public static java.net.http.HttpResponse<String> send(String url, String method, Map<String, String> headers, String body)
            throws IOException, InterruptedException {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        try (var http = java.net.http.HttpClient.newHttpClient()) {
            return http.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        }
    }

    /** How a real response to {@code method path} departs from the document, as {@link #violations(String, String, int, String, String)}. */
    public List<String> violations(String method, String path, java.net.http.HttpResponse<String> response) {
        return violations(method, path, response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                response.body());
    }

    /**
     * How a real response departs from what the document says of it: a status it does not document, another media
     * type, a body its schema refuses, or an error body whose {@code status} is not the response's. Empty when it
     * conforms.
     *
     * @param path the documented path, with its {@code {param}} placeholders
     */
    public List<String> violations(String method, String path, int status, String contentType, String body) {
        String at = method + " " + path + " → " + status;
        JsonNode op = operation(method, path);
        if (op == null) {
            return List.of(method + " " + path + " is not documented in " + name);
        }
        String base = pointer(method, path) + "/responses/";
        JsonNode declared = op.path("responses").get(Integer.toString(status));
        String key = Integer.toString(status);
        if (declared == null) {
            declared = op.path("responses").get(status / 100 + "XX");
            key = status / 100 + "XX";
        }
        if (declared == null) {
            declared = op.path("responses").get("default");
            key = "default";
        }
        if (declared == null) {
            return List.of(at + ": status not documented (" + op.path("responses").properties().stream().map(Map.Entry::getKey)
                    .toList() + "); body " + abbreviate(body));
        }
        Resolved response = resolve(declared, base + key);
        JsonNode content = response.node().get("content");
        if (content == null || content.isEmpty()) {
            return body == null || body.isEmpty() ? List.of() : List.of(at + ": documented without a body, but one came: " + abbreviate(body));
        }
        String type = contentType == null ? "" : contentType.split(";")[0].strip().toLowerCase(Locale.ROOT);
        if (!content.has(type)) {
            return List.of(at + ": media type '" + type + "' is not among the documented " + content.properties().stream()
                    .map(Map.Entry::getKey).toList());
        }
        if (!type.equals("application/json")) {
            return List.of();
        }
        JsonNode json;
        try {
            json = Json.mapper().readTree(body);
        } catch (IOException e) {
            return List.of(at + ": the body is not JSON: " + abbreviate(body));
        }
        List<String> violations = new ArrayList<>();
        if (content.path(type).has("schema")) {
            String location = response.pointer() + "/content/" + escape(type) + "/schema";
            Schema schema = schemas.computeIfAbsent(location, l -> registry.getSchema(SchemaLocation.of(iri + "#" + l)));
            schema.validate(json).forEach(e -> violations.add(at + ": " + e.getInstanceLocation() + " " + e.getMessage()));
        }
        if (status >= 400 && json.path("status").isNumber() && json.path("status").asInt() != status) {
            violations.add(at + ": the error body says status " + json.path("status") + ", the response " + status);
        }
        return violations;
    }

    /**
     * Sends each documented operation one request without a credential (path parameters from their examples, else
     * "probe"; a JSON object for a body) and reports every one the router answered rather than its route, every
     * guarded one that did not answer 401 (the access check runs only on a matched route), and every answer that
     * departs from the document: empty when each operation is served as documented.
     */
    public List<String> answerEveryOperation(java.net.http.HttpClient http, String base) throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        for (Operation op : operations()) {
            String path = op.path();
            JsonNode parameters = document.path("paths").path(op.path()).path("parameters");
            List<JsonNode> all = new ArrayList<>();
            parameters.forEach(all::add);
            operation(op.method(), op.path()).path("parameters").forEach(all::add);
            for (JsonNode parameter : all) {
                JsonNode p = resolve(parameter, "").node();
                if ("path".equals(p.path("in").asText())) {
                    path = path.replace("{" + p.path("name").asText() + "}", p.path("example").asText("probe"));
                }
            }
            var body = op.method().equals("GET") || op.method().equals("DELETE")
                    ? java.net.http.HttpRequest.BodyPublishers.noBody() : java.net.http.HttpRequest.BodyPublishers.ofString("{}");
            var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + path))
                    .header("Content-Type", "application/json").method(op.method(), body).build();
            var response = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
            String at = op.method() + " " + path;
            if (fromRouter(response.statusCode(), response.body())) {
                problems.add(at + " was answered by the router (" + response.statusCode() + "), not a route: " + response.body());
                continue;
            }
            if (!op.scopes().contains("public") && response.statusCode() != 401) {
                problems.add(at + " answered " + response.statusCode() + " without a credential, not 401");
            }
            problems.addAll(violations(op.method(), op.path(), response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(null), response.body()));
        }
        return problems;
    }

    /** Whether an answer is the router's own, that no route matched: its 404 for an unknown endpoint, or a 405. */
    public static boolean fromRouter(int status, String body) {
        if (status == 405) {
            return true;
        }
        if (status != 404 || body == null) {
            return false;
        }
        try {
            String error = Json.mapper().readTree(body).path("error").asText("");
            return error.startsWith("no route for ") || error.startsWith("Endpoint ") && error.endsWith(" not found");
        } catch (IOException e) {
            return true; // not the services' JSON error: nothing of theirs answered
        }
    }

    /** The operation's node, or null when the document lacks it. */
    public JsonNode operation(String method, String path) {
        JsonNode node = document.path("paths").path(path).get(method.toLowerCase(Locale.ROOT));
        return node == null || !node.isObject() ? null : node;
    }

    /** The documented response of an operation for a status, references followed, or null. */
    public JsonNode response(String method, String path, String status) {
        JsonNode op = operation(method, path);
        JsonNode declared = op == null ? null : op.path("responses").get(status);
        return declared == null ? null : resolve(declared, "").node();
    }

    private record Resolved(JsonNode node, String pointer) {
    }

    /** A response object, or the component it refers to, and where it is in the document. */
    private Resolved resolve(JsonNode node, String pointer) {
        for (int hops = 0; node.has("$ref") && hops < 8; hops++) {
            String ref = node.path("$ref").asText();
            if (!ref.startsWith("#/")) {
                throw new IllegalArgumentException("only references inside the document are followed: " + ref);
            }
            pointer = ref.substring(1);
            node = document.at(pointer);
        }
        return new Resolved(node, pointer);
    }

    private static String pointer(String method, String path) {
        return "/paths/" + escape(path) + "/" + method.toLowerCase(Locale.ROOT);
    }

    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    private static String abbreviate(String body) {
        if (body == null) {
            return "(none)";
        }
        return body.length() > 300 ? body.substring(0, 300) + "…" : body;
    }
}
