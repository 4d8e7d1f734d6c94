package dev.memlog.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.auth.ServiceToken;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import io.javalin.config.JavalinConfig;
import org.junit.jupiter.api.Test;

/**
 * The contract checker finds what it is there to find (an undocumented route, a stale operation, other scopes, a
 * response its schema refuses, an undocumented status or media type), and ApiDocs serves the document and Swagger UI.
 */
class OpenApiContractTest {
    private static final String SPEC = "/openapi/test.yaml";
    private final HttpClient http = HttpClient.newHttpClient();
    private final OpenApiContract contract = OpenApiContract.load(SPEC);

    private static ServiceServer start(Consumer<JavalinConfig> routes) {
        return ServiceServer.start("test-service", ServiceServer.Listen.api("127.0.0.1", 0), 64 * 1024,
                Metrics.registry("test-service"), Health.ready(Map.of()),
                new Access(List.of(new ServiceToken(GracefulShutdownTest.TOKEN))), c -> {
                    ApiDocs.register(c, SPEC);
                    routes.accept(c);
                });
    }

    private HttpResponse<String> get(ServiceServer server, String path, boolean credential) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (credential) {
            request.header("Authorization", "Bearer " + GracefulShutdownTest.TOKEN);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<String> check(String path, HttpResponse<String> response) {
        return contract.violations("GET", path, response.statusCode(),
                response.headers().firstValue("Content-Type").orElse(null), response.body());
    }

    @Test
    void theDocumentParsesAsOpenApi31AndKeepsTheConventions() {
        assertThat(contract.parserMessages()).isEmpty();
        assertThat(contract.conventionViolations()).isEmpty();
    }

    @Test
    void aServerThatServesWhatIsDocumentedAgreesAndItsAnswersConform() throws Exception {
        try (var server = start(c -> ScopedRoutes.of(c, Scope.SERVICE).get("/v1/things/{thing_id}",
                ctx -> ctx.json(Map.of("thing_id", ctx.pathParam("thing_id"), "count", 3, "seen_at", "2024-05-02T10:00:00Z"))))) {
            assertThat(contract.differences(server.routes())).isEmpty();
            assertThat(contract.answerEveryOperation(http, "http://127.0.0.1:" + server.port())).isEmpty();
            assertThat(check("/v1/things/{thing_id}", get(server, "/v1/things/t1", true))).isEmpty();
            assertThat(check("/v1/things/{thing_id}", get(server, "/v1/things/t1", false))).as("401").isEmpty();
            for (String path : List.of("/health/live", "/health/ready", "/health/started", "/metrics", "/docs")) {
                assertThat(check(path, get(server, path, false))).as(path).isEmpty();
            }
        }
    }

    @Test
    void aRouteMissingFromTheDocumentAStaleOperationAndOtherScopesAreEachReported() throws Exception {
        try (var server = start(c -> {
            ScopedRoutes.of(c, Scope.READ).get("/v1/things/{thing_id}", ctx -> ctx.result("x"));
            ScopedRoutes.of(c, Scope.WRITE).post("/v1/things", ctx -> ctx.result("x"));
        })) {
            assertThat(contract.differences(server.routes())).containsExactlyInAnyOrder(
                    "GET /v1/things/{thing_id} requires scopes [read] but " + SPEC + " documents [service]",
                    "POST /v1/things is served (scopes [write]) but not documented in " + SPEC);
        }
        try (var server = start(c -> { })) {
            assertThat(contract.differences(server.routes()))
                    .containsExactly("GET /v1/things/{thing_id} is documented in " + SPEC + " but no route serves it");
            assertThat(contract.answerEveryOperation(http, "http://127.0.0.1:" + server.port())).singleElement().asString()
                    .startsWith("GET /v1/things/probe was answered by the router (404)");
        }
    }

    @Test
    void aResponseMissingARequiredFieldOrOfTheWrongTypeIsReported() {
        String path = "/v1/things/{thing_id}";
        assertThat(contract.violations("GET", path, 200, "application/json", "{\"thing_id\":\"t1\",\"count\":2}")).isEmpty();
        assertThat(contract.violations("GET", path, 200, "application/json", "{\"thing_id\":\"t1\"}"))
                .singleElement().asString().contains("count");
        assertThat(contract.violations("GET", path, 200, "application/json", "{\"thing_id\":\"t1\",\"count\":\"two\"}"))
                .singleElement().asString().contains("count").contains("integer");
        assertThat(contract.violations("GET", path, 200, "application/json",
                "{\"thing_id\":\"t1\",\"count\":2,\"seen_at\":\"yesterday\"}")).as("formats are asserted")
                .singleElement().asString().contains("seen_at");
        assertThat(contract.violations("GET", path, 404, "application/json", "{\"error\":\"no thing\"}"))
                .as("an error without its status").singleElement().asString().contains("status");
        assertThat(contract.violations("GET", path, 404, "application/json", "{\"status\":400,\"error\":\"no thing\"}"))
                .as("an error body whose status is not the response's").singleElement().asString().contains("says status 400");
    }

    @Test
    void anUndocumentedStatusOrMediaTypeIsReported() {
        String path = "/v1/things/{thing_id}";
        assertThat(contract.violations("GET", path, 500, "application/json", "{\"status\":500,\"error\":\"internal error\"}"))
                .singleElement().asString().contains("status not documented");
        assertThat(contract.violations("GET", path, 200, "text/plain", "3")).singleElement().asString()
                .contains("media type 'text/plain'");
        assertThat(contract.violations("GET", "/v1/nothing", 200, "application/json", "{}")).singleElement().asString()
                .contains("not documented");
    }

    @Test
    void aDocumentThatBreaksTheConventionsIsReported() throws Exception {
        String yaml = new String(OpenApiContract.class.getResourceAsStream(SPEC).readAllBytes())
                .replace("      x-memlog-scopes: [service]\n", "")
                .replace("        \"403\": {$ref: \"#/components/responses/Forbidden\"}\n", "")
                .replace("        \"404\":\n          description: No such thing\n          content:\n            application/json:\n"
                        + "              schema: {$ref: \"#/components/schemas/Error\"}",
                        "        \"404\":\n          description: No such thing\n          content:\n            application/json:\n"
                        + "              schema: {type: string}");
        assertThat(OpenApiContract.of("broken", yaml).conventionViolations()).containsExactlyInAnyOrder(
                "GET /v1/things/{thing_id} declares no x-memlog-scopes",
                "GET /v1/things/{thing_id} needs a credential: it must document 401 and 403",
                "GET /v1/things/{thing_id} answers 404 without the shared Error schema");
        assertThat(OpenApiContract.of("dangling", yaml.replace("#/components/schemas/Thing", "#/components/schemas/Nothing"))
                .parserMessages()).isNotEmpty();
    }

    @Test
    void theDocumentIsServedAsJsonAndSwaggerUiFromItsWebjar() throws Exception {
        try (var server = start(c -> { })) {
            var json = get(server, "/openapi.json", false);
            assertThat(json.statusCode()).isEqualTo(200);
            assertThat(Json.mapper().readTree(json.body())).isEqualTo(contract.document());
            var page = get(server, "/docs", false);
            assertThat(page.body()).contains("/docs/swagger-ui-bundle.js").contains("/docs/docs.js").doesNotContain("http");
            assertThat(get(server, "/docs/docs.js", false).body()).contains("/openapi.json");
            var bundle = get(server, "/docs/swagger-ui-bundle.js", false);
            assertThat(bundle.statusCode()).isEqualTo(200);
            assertThat(bundle.body()).contains("SwaggerUIBundle");
            var notThere = get(server, "/docs/index.html", false);
            assertThat(notThere.statusCode()).isEqualTo(404);
            assertThat(check("/docs/{asset}", notThere)).isEmpty();
            assertThat(check("/docs/{asset}", get(server, "/docs/swagger-ui.css", false))).isEmpty();
        }
    }

    @Test
    void theRoutersOwn404IsToldFromARoutes() throws Exception {
        try (var server = start(c -> ScopedRoutes.of(c, Scope.SERVICE).get("/v1/things/{thing_id}",
                ctx -> { throw new ApiException(404, "no thing", "thing_id"); }))) {
            var router = get(server, "/v1/nothing", false);
            assertThat(OpenApiContract.fromRouter(router.statusCode(), router.body())).isTrue();
            var route = get(server, "/v1/things/t1", true);
            assertThat(route.statusCode()).isEqualTo(404);
            assertThat(OpenApiContract.fromRouter(route.statusCode(), route.body())).isFalse();
        }
    }
}
