package dev.memlog.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.memlog.common.config.Env;
import dev.memlog.common.http.ApiException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** OIDC bearer tokens: only a signed, unexpired token from the configured issuer for this audience names a tenant. */
class JwtAuthenticatorTest {
    static final String ISSUER = "https://idp.example.test/realms/memlog";
    static RSAKey signing;
    static RSAKey stranger;
    static JwtAuthenticator tokens;

    @BeforeAll
    static void keys() throws Exception {
        signing = new RSAKeyGenerator(2048).keyID("k1").generate();
        stranger = new RSAKeyGenerator(2048).keyID("k1").generate();
        tokens = new JwtAuthenticator(new ImmutableJWKSet<>(new JWKSet(signing.toPublicJWK())), Set.of(JWSAlgorithm.RS256),
                ISSUER, "memlog", "tenant", "scope");
    }

    static JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience("memlog").subject("svc-planner")
                .expirationTime(Date.from(Instant.now().plusSeconds(300))).claim("tenant", "acme");
    }

    static String signed(RSAKey key, JWTClaimsSet claims) throws Exception {
        var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    static void unauthorized(ThrowingCallable call, String reason) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ApiException.class, (Consumer<ApiException>) e -> {
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.getMessage()).contains(reason);
        });
    }

    @Test
    void aValidTokenNamesItsTenantSubjectAndMemlogScopes() throws Exception {
        Principal p = tokens.principalFor(signed(signing, claims().claim("scope", "openid memlog:read write profile").build()));
        assertThat(p.tenant()).isEqualTo("acme");
        assertThat(p.name()).isEqualTo("token:svc-planner");
        assertThat(p.scopes()).containsExactlyInAnyOrder(Scope.READ, Scope.WRITE);
        assertThat(p.tenantWideReads()).isFalse();

        Principal analyst = tokens.principalFor(signed(signing, claims().claim("scope", List.of("read:tenant", "admin")).build()));
        assertThat(analyst.scopes()).containsExactlyInAnyOrder(Scope.READ, Scope.ADMIN);
        assertThat(analyst.tenantWideReads()).isTrue();
    }

    @Test
    void aTokenWithAnAgentClaimIsBoundToThatAgentAndTheUsersItNames() throws Exception {
        Principal p = tokens.principalFor(signed(signing, claims().claim("scope", "read:tenant write").claim("agent", "planner")
                .claim("users", List.of("ann")).build()));
        assertThat(p.agent()).isEqualTo("planner");
        assertThat(p.tenantWideReads()).as("a bound token never reads across the tenant").isFalse();
        assertThat(p.mayReadUser("ann")).isTrue();
        assertThat(p.mayReadUser("bob")).isFalse();
        unauthorized(() -> tokens.principalFor(signed(signing, claims().claim("agent", "plan\nner").build())), "does not name an agent");
    }

    @Test
    void noTokenMayClaimTheServiceScope() throws Exception {
        Principal p = tokens.principalFor(signed(signing, claims().claim("scope", "service memlog:service").build()));
        assertThat(p.scopes()).isEmpty();
    }

    @Test
    void expiredForeignIssuerWrongAudienceOrNoTenantIsA401() throws Exception {
        unauthorized(() -> tokens.principalFor(signed(signing, claims().expirationTime(Date.from(Instant.now().minusSeconds(600))).build())),
                "Expired JWT");
        unauthorized(() -> tokens.principalFor(signed(signing, claims().issuer("https://evil.test").build())), "invalid bearer token");
        unauthorized(() -> tokens.principalFor(signed(signing, claims().audience("another-app").build())), "invalid bearer token");
        unauthorized(() -> tokens.principalFor(signed(signing, claims().claim("tenant", null).build())), "invalid bearer token");
        unauthorized(() -> tokens.principalFor(signed(signing, claims().claim("tenant", "../acme\n").build())), "does not name a tenant");
        unauthorized(() -> tokens.principalFor(signed(signing, claims().claim("tenant", 42).build())), "does not name a tenant");
    }

    @Test
    void aForgedSignatureUnsignedTokenOrAlgorithmSwapIsA401() throws Exception {
        unauthorized(() -> tokens.principalFor(signed(stranger, claims().build())), "invalid bearer token");
        unauthorized(() -> tokens.principalFor(new PlainJWT(claims().build()).serialize()), "invalid bearer token");

        // HS256 keyed with the public key's bytes: the classic confusion, refused because only RS256 is allowed
        var swapped = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(), claims().build());
        swapped.sign(new MACSigner(signing.toPublicJWK().toRSAPublicKey().getEncoded()));
        unauthorized(() -> tokens.principalFor(swapped.serialize()), "invalid bearer token");

        String valid = signed(signing, claims().build());
        String[] parts = valid.split("\\.");
        String tampered = parts[0] + "." + Base64URL.encode(claims().claim("tenant", "globex").build().toString()) + "." + parts[2];
        unauthorized(() -> tokens.principalFor(tampered), "invalid bearer token");
        unauthorized(() -> tokens.principalFor("a.b.c"), "invalid bearer token");
        unauthorized(() -> tokens.principalFor("\u0000.\\$.*"), "invalid bearer token");
    }

    @Test
    void theKeySetIsFetchedFromTheConfiguredUrlAndTheIssuerIsRequired() throws Exception {
        HttpServer idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] body = new JWKSet(signing.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        idp.createContext("/jwks", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        idp.start();
        try {
            String url = "http://127.0.0.1:" + idp.getAddress().getPort() + "/jwks";
            assertThatThrownBy(() -> JwtAuthenticator.from(new Env(Map.of("OIDC_JWKS_URL", url))))
                    .hasMessageContaining("OIDC_ISSUER is required");
            assertThat(JwtAuthenticator.from(new Env(Map.of()))).as("not configured: no tokens").isNull();

            var fromEnv = JwtAuthenticator.from(new Env(Map.of("OIDC_JWKS_URL", url, "OIDC_ISSUER", ISSUER,
                    "OIDC_AUDIENCE", "memlog", "OIDC_TENANT_CLAIM", "org", "OIDC_SCOPES_CLAIM", "roles")));
            Principal p = fromEnv.principalFor(signed(signing, claims().claim("org", "initech").claim("roles", List.of("memlog:feedback")).build()));
            assertThat(p.tenant()).isEqualTo("initech");
            assertThat(p.scopes()).containsExactly(Scope.FEEDBACK);
            unauthorized(() -> fromEnv.principalFor(signed(stranger, claims().claim("org", "initech").build())), "invalid bearer token");
        } finally {
            idp.stop(0);
        }
        var unreachable = JwtAuthenticator.from(new Env(Map.of("OIDC_JWKS_URL", "http://127.0.0.1:" + idp.getAddress().getPort() + "/jwks",
                "OIDC_ISSUER", ISSUER)));
        assertThatThrownBy(() -> unreachable.principalFor(signed(signing, claims().build())))
                .as("the provider down is the provider's fault, not the caller's")
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503));
    }
}
