package dev.memlog.stack;

import dev.memlog.client.MemoryClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.Json;
import dev.memlog.common.http.ServiceServer;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route of every service, as the running servers list them, refuses a missing, wrong or under-scoped credential
 * with a JSON 401 or 403, and lets the right one through; the tenant is the credential's, whatever a request claims.
 */
class AccessIT {
    static final String FULL = "full-key-0123456789abcdef";
    static final String READ_ONLY = "read-only-key-0123456789";
    static final String WRITE_ONLY = "write-only-key-0123456789";
    static final String FEEDBACK_ONLY = "feedback-only-key-0123456";
    static final String ERASE_ONLY = "erase-only-key-0123456789";
    static final String OTHER_TENANT = "other-tenant-key-0123456";
    /** An agent's key as keys have always been configured: read, write, feedback, one owner per read. */
    static final String AGENT = "agent-key-0123456789abcdef";
    /** A key bound to the planner agent, granted ann's memory and no other user's. */
    static final String PLANNER = "planner-key-0123456789abcdef";
    static final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static LocalStack stack;
    /** The identity provider: its key set served over HTTP as an OIDC provider's is; the stranger's key is nobody's. */
    static HttpServer idp;
    static RSAKey idpKey;
    static RSAKey stranger;

    @BeforeAll
    static void start() throws Exception {
        idpKey = new RSAKeyGenerator(2048).keyID("idp-1").generate();
        stranger = new RSAKeyGenerator(2048).keyID("idp-1").generate();
        byte[] jwks = new JWKSet(idpKey.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        idp.createContext("/certs", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, jwks.length);
            exchange.getResponseBody().write(jwks);
            exchange.close();
        });
        idp.start();
        var keys = ApiKeys.load(String.join("\n", FULL + "=acme;scopes=read+write+feedback+admin+erase;reads=tenant",
                READ_ONLY + "=acme;scopes=read;reads=tenant", WRITE_ONLY + "=acme;scopes=write",
                FEEDBACK_ONLY + "=acme;scopes=feedback", ERASE_ONLY + "=acme;scopes=erase", OTHER_TENANT + "=globex;reads=tenant", AGENT + "=acme",
                PLANNER + "=acme;agent=planner;users=ann"), null);
        stack = new LocalStack(LocalStack.Config.freePorts(dir, keys, Map.of("SUMMARIZER", "none", "OIDC_JWKS_URL", "http://127.0.0.1:" + idp.getAddress().getPort() + "/certs",
                        "OIDC_ISSUER", ISSUER, "OIDC_AUDIENCE", "memlog")), line -> { });
    }

    @AfterAll
    static void stop() {
        stack.close();
        idp.stop(0);
    }

    static final String ISSUER = "https://idp.example.test/realms/platform";

    static String token(RSAKey key, String tenant, String scope) throws Exception {
        var claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience("memlog").subject("planner-agent")
                .expirationTime(Date.from(Instant.now().plusSeconds(300))).claim("tenant", tenant).claim("scope", scope).build();
        var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return "Bearer " + jwt.serialize();
    }

    static String baseUrl(String service) {
        return switch (service) {
            case "ingest" -> stack.ingestUrl();
            case "query" -> stack.queryUrl();
            case "consolidation" -> stack.consolidationUrl();
            case "mcp" -> URI.create(stack.mcpUrl()).resolve("/").toString().replaceAll("/$", "");
            default -> stack.registryUrl();
        };
    }

    /** A credential, as a header: none, one nobody issued, one without the route's scope, or the right one. */
    record Credential(String name, String header, String value) {
    }

    static HttpResponse<String> call(String service, ServiceServer.Route route, Credential credential) throws Exception {
        String path = route.path().replace("{record_id}", "8a6b903c-a94e-3135-a7da-fa1be64e8f00").replace("{erasure_id}", "8a6b903c-a94e-3135-a7da-fa1be64e8f00")
                .replace("{replay_id}", "8a6b903c-a94e-3135-a7da-fa1be64e8f00").replace("{subject}", "memory.events-value").replace("{version}", "latest").replace("{id}", "1");
        var request = HttpRequest.newBuilder(URI.create(baseUrl(service) + path + "?user_id=ann&session_id=s1&tenant=acme"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .method(route.method(), route.method().equals("GET") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString("{}"));
        if (credential.header() != null) {
            request.header(credential.header(), credential.value());
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A key of the tenant without the route's scope, or for internal routes any tenant's key: it must not pass. */
    static Credential underScoped(Set<?> scopes) {
        if (scopes.contains(Scope.SERVICE)) {
            return new Credential("a tenant's key", ApiKeys.HEADER, FULL);
        }
        if (scopes.containsAll(Set.of(Scope.READ, Scope.WRITE, Scope.FEEDBACK))) {
            return new Credential("a key that may only erase", ApiKeys.HEADER, ERASE_ONLY); // the MCP endpoint: any tool's scope
        }
        if (!scopes.contains(Scope.READ)) {
            return new Credential("a read-only key", ApiKeys.HEADER, READ_ONLY);
        }
        return new Credential("a write-only key", ApiKeys.HEADER, WRITE_ONLY);
    }

    static Credential right(Set<?> scopes) {
        if (scopes.contains(Scope.SERVICE)) {
            return new Credential("the service credential", "Authorization", stack.serviceToken().authorization());
        }
        return new Credential("a key with the scope", ApiKeys.HEADER, FULL);
    }

    @Test
    void everyRouteRefusesAMissingWrongOrUnderScopedCredentialAndLetsTheRightOneThrough() throws Exception {
        List<String> checked = new ArrayList<>();
        for (var service : stack.routes().entrySet()) {
            for (ServiceServer.Route route : service.getValue()) {
                String where = service.getKey() + " " + route.method() + " " + route.path();
                assertThat(route.scopes()).as(where + " declares its scopes").isNotEmpty();
                if (route.scopes().contains(Scope.PUBLIC)) {
                    // the explorer's static page holds no memory: it asks for every one with its user's credential;
                    // the API's contract and Swagger UI say nothing of any tenant's memory either
                    assertThat(route.path()).as(where + ": only probes, metrics, the explorer's page and the API docs are open")
                            .matches("/health/.*|/metrics|/explorer|/explorer/\\{asset\\}|/openapi\\.json|/docs|/docs/\\{asset\\}");
                    continue;
                }
                var wrongHeader = route.scopes().contains(Scope.SERVICE) ? "Authorization" : ApiKeys.HEADER;
                var wrongValue = route.scopes().contains(Scope.SERVICE) ? "Bearer not-the-token-0123456789abcdef0123"
                        : "nobody-issued-this-key-0123";
                for (Credential refused : List.of(new Credential("no credential", null, null),
                        new Credential("a credential nobody issued", wrongHeader, wrongValue), underScoped(route.scopes()))) {
                    var response = call(service.getKey(), route, refused);
                    assertThat(response.statusCode()).as(where + " with " + refused.name()).isIn(401, 403);
                    JsonNode error = Json.mapper().readTree(response.body());
                    assertThat(error.path("error").asText()).as(where + " says why").isNotBlank();
                }
                var allowed = call(service.getKey(), route, right(route.scopes()));
                assertThat(allowed.statusCode()).as(where + " with " + right(route.scopes()).name()).isNotIn(401, 403);
                checked.add(where);
            }
        }
        assertThat(checked).as("routes checked").hasSizeGreaterThanOrEqualTo(25)
                .contains("ingest POST /v1/turns", "ingest DELETE /v1/memories/{record_id}", "ingest POST /v1/erasure", "query GET /v1/erasure/{erasure_id}", "query POST /v1/search", "consolidation GET /v1/working-memory",
                        "registry POST /subjects/{subject}/versions", "registry PUT /config", "mcp POST /mcp");
    }

    @Test
    void aReadOnlyKeyCannotWriteAndAKeyForOneOwnerCannotReadAcrossOwners() throws Exception {
        var body = Json.mapper().createObjectNode().put("user_id", "ann").put("session_id", "s").put("role", "user")
                .put("content", "hello");
        var refused = http.send(HttpRequest.newBuilder(URI.create(stack.ingestUrl() + "/v1/turns")).header(ApiKeys.HEADER, READ_ONLY)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(Json.mapper().readTree(refused.body()).path("error").asText()).contains("scope write");

        assertThat(new MemoryClient(stack.ingestUrl(), stack.queryUrl(), READ_ONLY).stats(null).path("records").isNumber())
                .as("an analyst's key reads across owners").isTrue();
        var agent = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), AGENT);
        assertThat(agent.stats("ann").path("records").isNumber()).as("an agent's key reads the owner it names").isTrue();
        for (String path : List.of("/v1/stats", "/v1/memories/8a6b903c-a94e-3135-a7da-fa1be64e8f00/history")) {
            var acrossOwners = http.send(HttpRequest.newBuilder(URI.create(stack.queryUrl() + path)).header(ApiKeys.HEADER, AGENT)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(acrossOwners.statusCode()).as(path).isEqualTo(403);
            assertThat(Json.mapper().readTree(acrossOwners.body()).path("error").asText()).contains("one owner at a time");
        }
        var search = http.send(HttpRequest.newBuilder(URI.create(stack.queryUrl() + "/v1/search")).header(ApiKeys.HEADER, AGENT)
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"anything\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(search.statusCode()).isEqualTo(403);
    }

    @Test
    void aTenantClaimedInABodyParameterOrHeaderChangesNothing() throws Exception {
        var acme = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), FULL);
        var turn = Json.mapper().createObjectNode();
        turn.putArray("turns").addObject().put("user_id", "forge").put("session_id", "forge").put("role", "user")
                .put("content", "The acme vault code is 4471.");
        acme.appendTurns(turn);
        await().atMost(Duration.ofSeconds(60)).until(() -> acme.count("forge") == 1);

        String search = Json.mapper().createObjectNode().put("query", "vault code").put("user_id", "forge")
                .put("tenant_id", "acme").put("tenant", "acme").toString();
        for (String path : List.of("/v1/search", "/v1/search?tenant=acme&tenant_id=acme")) {
            var response = http.send(HttpRequest.newBuilder(URI.create(stack.queryUrl() + path))
                    .header(ApiKeys.HEADER, OTHER_TENANT).header("X-Tenant-Id", "acme").header("X-Tenant", "acme")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(search)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(Json.mapper().readTree(response.body()).path("hits")).as(path).isEmpty();
        }
        var forgedWrite = http.send(HttpRequest.newBuilder(URI.create(stack.ingestUrl() + "/v1/turns"))
                .header(ApiKeys.HEADER, OTHER_TENANT).POST(HttpRequest.BodyPublishers.ofString(Json.mapper().createObjectNode()
                        .put("tenant_id", "acme").put("user_id", "forge").put("session_id", "forge").put("role", "user")
                        .put("content", "planted").toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(forgedWrite.statusCode()).isEqualTo(400);
        assertThat(Json.mapper().readTree(forgedWrite.body()).path("field").asText()).isEqualTo("tenant_id");
    }

    @Test
    void anOidcTokenActsForTheTenantAndScopesItsProviderSignedAndNoOther() throws Exception {
        var turn = Json.mapper().createObjectNode().put("user_id", "oidc-user").put("session_id", "s").put("role", "user")
                .put("content", "I keep my bike in the blue shed.");
        var written = http.send(HttpRequest.newBuilder(URI.create(stack.ingestUrl() + "/v1/turns"))
                .header("Authorization", token(idpKey, "acme", "openid memlog:write memlog:read"))
                .POST(HttpRequest.BodyPublishers.ofString(turn.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(written.statusCode()).as(written.body()).isEqualTo(202);
        var acme = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), FULL);
        await().atMost(Duration.ofSeconds(60)).until(() -> acme.count("oidc-user") >= 1);

        String search = Json.mapper().createObjectNode().put("query", "where is the bike").put("user_id", "oidc-user").toString();
        for (var reader : List.of(Map.entry("acme", true), Map.entry("globex", false))) {
            var response = http.send(HttpRequest.newBuilder(URI.create(stack.queryUrl() + "/v1/search"))
                    .header("Authorization", token(idpKey, reader.getKey(), "memlog:read"))
                    .POST(HttpRequest.BodyPublishers.ofString(search)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            boolean found = !Json.mapper().readTree(response.body()).path("hits").isEmpty();
            assertThat(found).as("a %s token finds acme's memory", reader.getKey()).isEqualTo(reader.getValue());
        }

        var readOnly = http.send(HttpRequest.newBuilder(URI.create(stack.ingestUrl() + "/v1/turns"))
                .header("Authorization", token(idpKey, "acme", "memlog:read"))
                .POST(HttpRequest.BodyPublishers.ofString(turn.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(readOnly.statusCode()).isEqualTo(403);
        var forged = http.send(HttpRequest.newBuilder(URI.create(stack.ingestUrl() + "/v1/turns"))
                .header("Authorization", token(stranger, "acme", "memlog:write"))
                .POST(HttpRequest.BodyPublishers.ofString(turn.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(Json.mapper().readTree(forged.body()).path("error").asText()).contains("invalid bearer token");
        var internal = http.send(HttpRequest.newBuilder(URI.create(stack.consolidationUrl() + "/v1/working-memory?user_id=oidc-user&session_id=s"))
                .header("Authorization", token(idpKey, "acme", "read write admin erase service")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(internal.statusCode()).as("internal routes take the service token only").isEqualTo(401);
    }

    @Test
    void aKeyBoundToAnAgentReadsWhatItWasToldAndOnlyTheUsersItWasGranted() throws Exception {
        var acme = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), FULL);
        var turns = Json.mapper().createObjectNode();
        var list = turns.putArray("turns");
        list.addObject().put("user_id", "carol").put("agent_id", "support").put("session_id", "c1").put("role", "user")
                .put("content", "My locker combination is 1987.");
        list.addObject().put("user_id", "ann").put("agent_id", "support").put("session_id", "a1").put("role", "user")
                .put("content", "My locker combination is 2468.");
        acme.appendTurns(turns);
        var told = http.send(HttpRequest.newBuilder(URI.create(stack.ingestUrl() + "/v1/turns")).header(ApiKeys.HEADER, PLANNER)
                .POST(HttpRequest.BodyPublishers.ofString(Json.mapper().createObjectNode().put("user_id", "carol")
                        .put("session_id", "c2").put("role", "user").put("content", "My locker combination changed to 5555.")
                        .toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(told.statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(60)).until(() -> acme.count("carol") >= 2 && acme.count("ann") >= 1);

        java.util.function.Function<String, HttpResponse<String>> search = scope -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create(stack.queryUrl() + "/v1/search")).header(ApiKeys.HEADER, PLANNER)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"locker combination\"," + scope + "}")).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        var own = search.apply("\"user_id\":\"carol\",\"agent_id\":\"planner\"");
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(own.body()).as("what carol told the planner").contains("5555").doesNotContain("1987");
        var granted = search.apply("\"user_id\":\"ann\"");
        assertThat(granted.statusCode()).isEqualTo(200);
        assertThat(granted.body()).as("ann's memory, granted").contains("2468");
        var ungranted = search.apply("\"user_id\":\"carol\"");
        assertThat(ungranted.statusCode()).isEqualTo(403);
        assertThat(Json.mapper().readTree(ungranted.body()).path("field").asText()).isEqualTo("user_id");
        assertThat(search.apply("\"agent_id\":\"support\"").statusCode()).as("another agent's memory").isEqualTo(403);

        var asOther = http.send(HttpRequest.newBuilder(URI.create(stack.ingestUrl() + "/v1/turns")).header(ApiKeys.HEADER, PLANNER)
                .POST(HttpRequest.BodyPublishers.ofString(Json.mapper().createObjectNode().put("user_id", "carol")
                        .put("agent_id", "support").put("session_id", "c2").put("role", "user").put("content", "planted")
                        .toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(asOther.statusCode()).as("writing as another agent").isEqualTo(403);
    }
}
