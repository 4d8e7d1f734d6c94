package dev.memlog.common.config;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/** Configuration read from environment variables, with defaults that work for the local stack. */
public final class Env {
    /** Settings whose values are never logged: credentials, keys, and anything that embeds one. */
    private static final java.util.regex.Pattern SECRET = java.util.regex.Pattern.compile(
            ".*(PASSWORD|SECRET|TOKEN|JAAS|AUTHORIZATION|CREDENTIAL|API_KEY|_KEYSTORE_KEY|_CERTIFICATE_CHAIN).*");
    private final Map<String, String> vars;
    /** Every setting read, with the value it took (a default too): what a service logs as its configuration. */
    private final Map<String, String> read = new java.util.concurrent.ConcurrentSkipListMap<>();

    public Env(Map<String, String> vars) {
        this.vars = Map.copyOf(vars);
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    /** These settings, with {@code overrides} taking the place of any of the same name. */
    public Env with(Map<String, String> overrides) {
        var merged = new java.util.HashMap<>(vars);
        merged.putAll(overrides);
        return new Env(merged);
    }

    public String string(String name, String fallback) {
        String value = vars.get(name);
        String effective = value == null || value.isBlank() ? fallback : value.trim();
        read.put(name, effective == null ? "(unset)" : effective);
        return effective;
    }

    /**
     * The settings read so far and the values they took, defaults included, for the start-up log: a credential's
     * value is replaced by "(redacted)", a file's path is kept.
     */
    public Map<String, String> effective() {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        read.forEach((name, value) -> out.put(name, redacted(name, value)));
        return out;
    }

    static String redacted(String name, String value) {
        boolean secret = SECRET.matcher(name.toUpperCase(java.util.Locale.ROOT)).matches()
                && !name.endsWith("_FILE") && !name.endsWith("_LOCATION") && !name.endsWith("_TYPE");
        return secret && !value.equals("(unset)") ? "(redacted)" : value;
    }

    public String optional(String name) {
        return string(name, null);
    }

    public int integer(String name, int fallback) {
        return parsed(name, fallback, Integer::parseInt, "an integer");
    }

    public long longValue(String name, long fallback) {
        return parsed(name, fallback, Long::parseLong, "an integer");
    }

    public double decimal(String name, double fallback) {
        return parsed(name, fallback, Double::parseDouble, "a number");
    }

    private <T> T parsed(String name, T fallback, Function<String, T> parse, String kind) {
        String value = optional(name);
        if (value == null) {
            return fallback;
        }
        try {
            return parse.apply(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be " + kind + ", was '" + value + "'");
        }
    }

    /**
     * Client settings passed through by prefix: {@code KAFKA_STREAMS_SESSION_TIMEOUT_MS=6000} under prefix
     * {@code KAFKA_STREAMS_} is {@code session.timeout.ms=6000}, so an operator can set any Kafka client setting
     * (security, timeouts) without a release.
     */
    public Map<String, String> passthrough(String prefix) {
        Map<String, String> out = new java.util.TreeMap<>();
        vars.forEach((name, value) -> {
            if (name.startsWith(prefix) && name.length() > prefix.length() && value != null && !value.isBlank()) {
                read.put(name, value.trim());
                out.put(name.substring(prefix.length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.'), value.trim());
            }
        });
        return out;
    }

    public Duration duration(String name, Duration fallback) {
        String value = optional(name);
        return value == null ? fallback : Duration.ofMillis(longValue(name, fallback.toMillis()));
    }
}
