package dev.memlog.common.auth;

import dev.memlog.common.http.ApiException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Maps API keys to tenants. Only SHA-256 digests of the keys are held in memory; entries are
 * {@code key=tenant} or {@code sha256:<hex>=tenant}, comma- or newline-separated.
 */
public final class ApiKeys {
    public static final String HEADER = "X-API-Key";
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Map<String, String> tenantByDigest;

    private ApiKeys(Map<String, String> tenantByDigest) {
        this.tenantByDigest = Map.copyOf(tenantByDigest);
    }

    /** Keys from the inline spec (API_KEYS) and, if given, a file (API_KEYS_FILE). */
    public static ApiKeys load(String inline, String file) {
        Map<String, String> digests = new LinkedHashMap<>();
        if (inline != null) {
            parseInto(inline, "API_KEYS", digests);
        }
        if (file != null) {
            try {
                parseInto(Files.readString(Path.of(file)), file, digests);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read API key file " + file, e);
            }
        }
        return new ApiKeys(digests);
    }

    public static ApiKeys of(Map<String, String> tenantByKey) {
        Map<String, String> digests = new LinkedHashMap<>();
        tenantByKey.forEach((key, tenant) -> digests.put(digest(key), checkTenant(tenant, "keys")));
        return new ApiKeys(digests);
    }

    private static void parseInto(String spec, String source, Map<String, String> digests) {
        for (String entry : spec.split("[,\\n]")) {
            String line = entry.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.lastIndexOf('=');
            if (eq <= 0 || eq == line.length() - 1) {
                throw new IllegalArgumentException("API key entry in " + source + " must be key=tenant");
            }
            String key = line.substring(0, eq).strip();
            String tenant = checkTenant(line.substring(eq + 1).strip(), source);
            digests.put(key.startsWith("sha256:") ? key.substring(7).toLowerCase() : digest(key), tenant);
        }
    }

    private static String checkTenant(String tenant, String source) {
        if (!TENANT.matcher(tenant).matches()) {
            throw new IllegalArgumentException("invalid tenant id '" + tenant + "' in " + source);
        }
        return tenant;
    }

    public static String digest(String key) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public int size() {
        return tenantByDigest.size();
    }

    /** The tenant of the request's API key ({@code X-API-Key} or {@code Authorization: Bearer}), else 401. */
    public String tenantOf(Context ctx) {
        String key = ctx.header(HEADER);
        if (key == null) {
            String auth = ctx.header("Authorization");
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                key = auth.substring(7).strip();
            }
        }
        if (key == null || key.isBlank()) {
            throw ApiException.unauthorized("missing API key: send it in the X-API-Key header");
        }
        String tenant = tenantByDigest.get(digest(key));
        if (tenant == null) {
            throw ApiException.unauthorized("unknown API key");
        }
        return tenant;
    }
}
