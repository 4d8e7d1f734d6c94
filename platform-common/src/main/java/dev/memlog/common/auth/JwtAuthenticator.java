package dev.memlog.common.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.memlog.common.config.Env;
import dev.memlog.common.http.ApiException;
import io.javalin.http.Context;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * OIDC/JWT bearer tokens for platform teams: signature checked against the identity provider's JWKS (fetched and
 * cached by nimbus-jose-jwt), issuer, audience and expiry checked, the tenant taken from one claim and the scopes from
 * another. A token that is a JWT but not a valid one is a 401 that says why; anything else is not this
 * authenticator's to judge.
 *
 * @param tenantClaim the claim naming the tenant (OIDC_TENANT_CLAIM, default {@code tenant})
 * @param scopesClaim the claim listing scopes, space-separated or an array (OIDC_SCOPES_CLAIM, default {@code scope});
 *                    values {@code read}, {@code write}, {@code feedback}, {@code admin}, {@code erase}, and
 *                    {@code read:tenant} for reads across the tenant's owners, each also with a {@code memlog:} prefix
 */
public final class JwtAuthenticator implements Authenticator {

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final String tenantClaim;
    private final String scopesClaim;
    private final String agentClaim;
    private final String usersClaim;

    public JwtAuthenticator(JWKSource<SecurityContext> keys, Set<JWSAlgorithm> algorithms, String issuer, String audience,
                            String tenantClaim, String scopesClaim) {
        this(keys, algorithms, issuer, audience, tenantClaim, scopesClaim, "agent", "users");
    }

    /**
     * @param agentClaim a claim binding the token to one agent, as {@code agent=} binds a key (OIDC_AGENT_CLAIM)
     * @param usersClaim the users such a token may read, {@code *} for all (OIDC_USERS_CLAIM)
     */
    public JwtAuthenticator(JWKSource<SecurityContext> keys, Set<JWSAlgorithm> algorithms, String issuer, String audience,
                            String tenantClaim, String scopesClaim, String agentClaim, String usersClaim) {
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(audience,
                new JWTClaimsSet.Builder().issuer(issuer).build(), new HashSet<>(List.of("exp", tenantClaim))));
        this.tenantClaim = tenantClaim;
        this.scopesClaim = scopesClaim;
        this.agentClaim = agentClaim;
        this.usersClaim = usersClaim;
    }

    /**
     * OIDC_JWKS_URL (the identity provider's key set; unset: no tokens accepted), OIDC_ISSUER (required with it),
     * OIDC_AUDIENCE, OIDC_TENANT_CLAIM, OIDC_SCOPES_CLAIM, OIDC_AGENT_CLAIM, OIDC_USERS_CLAIM, OIDC_ALGORITHMS
     * (RS256,ES256); null when not configured.
     */
    public static JwtAuthenticator from(Env env) {
        String jwks = env.optional("OIDC_JWKS_URL");
        if (jwks == null) {
            return null;
        }
        String issuer = env.optional("OIDC_ISSUER");
        if (issuer == null) {
            throw new IllegalArgumentException("OIDC_ISSUER is required with OIDC_JWKS_URL: tokens of any issuer would pass");
        }
        Set<JWSAlgorithm> algorithms = new HashSet<>();
        for (String name : env.string("OIDC_ALGORITHMS", "RS256,ES256").split(",")) {
            algorithms.add(JWSAlgorithm.parse(name.strip()));
        }
        try {
            JWKSource<SecurityContext> keys = JWKSourceBuilder.<SecurityContext>create(URI.create(jwks).toURL()).retrying(true).build();
            return new JwtAuthenticator(keys, algorithms, issuer, env.optional("OIDC_AUDIENCE"),
                    env.string("OIDC_TENANT_CLAIM", "tenant"), env.string("OIDC_SCOPES_CLAIM", "scope"),
                    env.string("OIDC_AGENT_CLAIM", "agent"), env.string("OIDC_USERS_CLAIM", "users"));
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("OIDC_JWKS_URL is not a URL: " + jwks, e);
        }
    }

    @Override
    public Principal authenticate(Context ctx) {
        String auth = ctx.header("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = auth.substring(7).strip();
        return token.chars().filter(c -> c == '.').count() == 2 ? principalFor(token) : null;
    }

    /** Who a token acts for; a 401 naming the reason for a token that does not hold. */
    public Principal principalFor(String token) {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (KeySourceException e) {
            // the provider's fault, not the caller's: a retry may pass
            throw new ApiException(503, "the identity provider's key set could not be fetched; retry later", null);
        } catch (ParseException | BadJOSEException | JOSEException e) {
            throw ApiException.unauthorized("invalid bearer token: " + ApiException.printable(e.getMessage()));
        }
        Object tenantValue = claims.getClaim(tenantClaim);
        String tenant = tenantValue instanceof String s ? s : null;
        if (tenant == null || !Principal.TENANT_ID.matcher(tenant).matches()) {
            throw ApiException.unauthorized("invalid bearer token: claim " + tenantClaim + " does not name a tenant");
        }
        EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
        boolean tenantWide = false;
        for (String value : scopeValues(claims.getClaim(scopesClaim))) {
            String name = value.toLowerCase(Locale.ROOT);
            name = name.startsWith("memlog:") ? name.substring("memlog:".length()) : name;
            switch (name) {
                case "read", "write", "feedback", "admin", "erase" -> scopes.add(Scope.parse(name));
                case "read:tenant" -> {
                    scopes.add(Scope.READ);
                    tenantWide = true;
                }
                default -> {
                    // other applications' scopes ride in the same token
                }
            }
        }
        String subject = claims.getSubject();
        String name = subject == null ? "token" : "token:" + ApiException.printable(subject);
        Object agentValue = claims.getClaim(agentClaim);
        if (agentValue == null) {
            return new Principal(tenant, name, scopes, tenantWide);
        }
        if (!(agentValue instanceof String agent) || !Principal.OWNER_ID.matcher(agent).matches()) {
            throw ApiException.unauthorized("invalid bearer token: claim " + agentClaim + " does not name an agent");
        }
        // a token bound to an agent reads as that agent does, never across the tenant
        return new Principal(tenant, name, scopes, false, agent, Set.copyOf(scopeValues(claims.getClaim(usersClaim))));
    }

    private static List<String> scopeValues(Object claim) {
        if (claim instanceof String s) {
            return Arrays.stream(s.split("\\s+")).filter(v -> !v.isBlank()).toList();
        }
        if (claim instanceof List<?> list) {
            List<String> values = new ArrayList<>();
            list.forEach(v -> values.add(String.valueOf(v)));
            return values;
        }
        return List.of();
    }
}
