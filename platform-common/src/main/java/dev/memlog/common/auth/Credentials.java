package dev.memlog.common.auth;

import dev.memlog.common.config.Env;
import java.time.Duration;
import java.util.List;

/** The credentials a service accepts from its clients, as its environment configures them. */
public final class Credentials {
    private Credentials() {
    }

    /** What the client-facing routes accept: API keys, and OIDC bearer tokens when configured (tokens not null). */
    public static List<Authenticator> clients(ApiKeys keys, JwtAuthenticator tokens) {
        return tokens == null ? List.of(keys) : List.of(keys, tokens);
    }

    /**
     * API_KEYS and API_KEYS_FILE (the file read again every API_KEYS_RELOAD_SECONDS, 10), each plaintext key at least
     * API_KEYS_MIN_LENGTH (22) characters.
     */
    public static ApiKeys apiKeys(Env env) {
        return ApiKeys.load(env.optional("API_KEYS"), env.optional("API_KEYS_FILE"),
                env.integer("API_KEYS_MIN_LENGTH", ApiKeys.MIN_KEY_CHARS))
                .watchEvery(Duration.ofSeconds(Math.max(1, env.integer("API_KEYS_RELOAD_SECONDS", 10))));
    }
}
