package dev.memlog.common.auth;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The credential the services present to each other (SERVICE_TOKEN): query-service to consolidation's working memory,
 * every service to the schema registry. Compared in constant time; at least 32 characters.
 */
public final class ServiceToken implements Authenticator {
    public static final int MIN_CHARS = 32;
    private final byte[] digest;
    private final String token;

    public ServiceToken(String token) {
        if (token == null || token.length() < MIN_CHARS) {
            throw new IllegalArgumentException("SERVICE_TOKEN is required, at least " + MIN_CHARS + " characters: the credential"
                    + " the services present to each other (such as `openssl rand -hex 24`)");
        }
        this.token = token;
        this.digest = ApiKeys.digest(token).getBytes(StandardCharsets.UTF_8);
    }

    /** The value of the Authorization header a service sends. */
    public String authorization() {
        return "Bearer " + token;
    }

    /**
     * The service principal for {@code Authorization: Bearer <token>}, or for Basic credentials whose password is the
     * token (how Confluent-compatible registry clients send theirs); null for anything else.
     */
    @Override
    public Principal authenticate(Context ctx) {
        String auth = ctx.header("Authorization");
        String presented = null;
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = auth.substring(7).strip();
        } else if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(java.util.Base64.getDecoder().decode(auth.substring(6).strip()), StandardCharsets.UTF_8);
                presented = pair.substring(pair.indexOf(':') + 1);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        if (presented == null) {
            return null;
        }
        return MessageDigest.isEqual(ApiKeys.digest(presented).getBytes(StandardCharsets.UTF_8), digest) ? Principal.service() : null;
    }

    /** SERVICE_TOKEN from the environment; required. */
    public static ServiceToken from(dev.memlog.common.config.Env env) {
        return new ServiceToken(env.optional("SERVICE_TOKEN"));
    }

    /**
     * The Authorization header for the schema registry: SCHEMA_REGISTRY_AUTHORIZATION when set (an external
     * registry's own credential, such as "Basic ..."), else this token (memlog's own registry).
     */
    public String registryAuthorization(dev.memlog.common.config.Env env) {
        return env.string("SCHEMA_REGISTRY_AUTHORIZATION", authorization());
    }

    @Override
    public String toString() {
        return "ServiceToken[<redacted>]";
    }
}
