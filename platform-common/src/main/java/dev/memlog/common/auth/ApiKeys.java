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
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API keys and what each may do. Only SHA-256 digests of keys are held; entries are {@code key=tenant} or
 * {@code sha256:<hex>=tenant}, optionally followed by {@code ;scopes=read+write+feedback+admin+erase},
 * {@code ;reads=tenant} (the key may read across the tenant's owners, as an analyst does; by default every read names
 * one owner), {@code ;agent=<agent_id>} (the key acts as that agent only) with {@code ;users=ann|bob} or
 * {@code ;users=*} (the users whose memory that agent may read), and {@code ;name=<label>}, comma-separated inline (API_KEYS) or one per line in a file (API_KEYS_FILE),
 * which is read again whenever it changes. A key without scopes has read, write and feedback, as keys always had. A
 * key given in the clear must have at least {@code minKeyChars} characters (22 by default: 128 bits of base64url).
 */
public final class ApiKeys implements Authenticator {
    private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);
    public static final String HEADER = "X-API-Key";
    public static final int MIN_KEY_CHARS = 22;
    static final Set<Scope> DEFAULT_SCOPES = Set.of(Scope.READ, Scope.WRITE, Scope.FEEDBACK);
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:@-]{1,64}");

    /** What one key may do. */
    record Grant(String tenant, String name, Set<Scope> scopes, boolean tenantWideReads, String agent, Set<String> users) {
    }

    private final String inline;
    private final Path file;
    private final int minKeyChars;
    private volatile Map<String, Grant> byDigest;
    private volatile String fileContent;

    private ApiKeys(String inline, Path file, int minKeyChars) {
        this.inline = inline;
        this.file = file;
        this.minKeyChars = minKeyChars;
        this.byDigest = parse(inline, readFile());
    }

    /** Keys from the inline spec (API_KEYS) and, if given, a file (API_KEYS_FILE); refuses keys shorter than 22 chars. */
    public static ApiKeys load(String inline, String file) {
        return load(inline, file, MIN_KEY_CHARS);
    }

    public static ApiKeys load(String inline, String file, int minKeyChars) {
        return new ApiKeys(inline, file == null ? null : Path.of(file), minKeyChars);
    }

    /** Keys with the default scopes, for tests and the local stack. */
    public static ApiKeys of(Map<String, String> tenantByKey) {
        StringBuilder spec = new StringBuilder();
        tenantByKey.forEach((key, tenant) -> spec.append(key).append('=').append(tenant).append('\n'));
        return new ApiKeys(spec.toString(), null, MIN_KEY_CHARS);
    }

    private String readFile() {
        if (file == null) {
            return null;
        }
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8);
            fileContent = content;
            return content;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read API key file " + file, e);
        }
    }

    /**
     * Reads the file again if it changed; a file that no longer parses leaves the keys as they were (and says why), so a
     * typo never locks every agent out.
     *
     * @return whether the keys changed
     */
    public boolean reload() {
        if (file == null) {
            return false;
        }
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            log.error("API key file {} unreadable; keeping the keys loaded before: {}", file, e.toString());
            return false;
        }
        if (content.equals(fileContent)) {
            return false;
        }
        try {
            byDigest = parse(inline, content);
            fileContent = content;
            log.info("API keys reloaded from {}: {} keys", file, byDigest.size());
            return true;
        } catch (IllegalArgumentException e) {
            log.error("API key file {} changed but is invalid; keeping the keys loaded before: {}", file, e.getMessage());
            fileContent = content;
            return false;
        }
    }

    /** Reloads the file every {@code every} on a daemon thread, so a key can be added or revoked without a restart. */
    public ApiKeys watchEvery(Duration every) {
        if (file != null) {
            Thread.ofVirtual().name("api-key-reload").start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        Thread.sleep(every.toMillis());
                        reload();
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        log.error("API key reload failed: {}", e.toString());
                    }
                }
            });
        }
        return this;
    }

    private Map<String, Grant> parse(String inlineSpec, String fileSpec) {
        Map<String, Grant> digests = new LinkedHashMap<>();
        if (inlineSpec != null) {
            parseInto(inlineSpec, "API_KEYS", "[,\\n]", digests);
        }
        if (fileSpec != null) {
            parseInto(fileSpec, file.toString(), "\\n", digests);
        }
        return Map.copyOf(digests);
    }

    private void parseInto(String spec, String source, String separator, Map<String, Grant> digests) {
        int line = 0;
        for (String entry : spec.split(separator)) {
            line++;
            String text = entry.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            String[] parts = text.split(";");
            String binding = parts[0].strip();
            int eq = binding.lastIndexOf('=');
            if (eq <= 0 || eq == binding.length() - 1) {
                throw new IllegalArgumentException("API key entry " + line + " in " + source + " must be key=tenant");
            }
            String key = binding.substring(0, eq).strip();
            String tenant = binding.substring(eq + 1).strip();
            if (!Principal.TENANT_ID.matcher(tenant).matches()) {
                throw new IllegalArgumentException("invalid tenant id '" + tenant + "' in entry " + line + " of " + source);
            }
            Set<Scope> scopes = DEFAULT_SCOPES;
            boolean tenantWide = false;
            String name = null;
            String agent = null;
            Set<String> users = Set.of();
            for (int i = 1; i < parts.length; i++) {
                String attribute = parts[i].strip();
                int at = attribute.indexOf('=');
                String k = at < 0 ? attribute : attribute.substring(0, at).strip().toLowerCase(Locale.ROOT);
                String v = at < 0 ? "" : attribute.substring(at + 1).strip();
                switch (k) {
                    case "scopes" -> {
                        EnumSet<Scope> parsed = EnumSet.noneOf(Scope.class);
                        for (String s : v.split("[+| ]")) {
                            if (!s.isBlank()) {
                                parsed.add(Scope.parse(s));
                            }
                        }
                        scopes = Set.copyOf(parsed);
                    }
                    case "reads" -> {
                        if (!v.equals("tenant") && !v.equals("owner")) {
                            throw new IllegalArgumentException("reads must be tenant or owner in entry " + line + " of " + source);
                        }
                        tenantWide = v.equals("tenant");
                    }
                    case "name" -> {
                        if (!NAME.matcher(v).matches()) {
                            throw new IllegalArgumentException("invalid key name in entry " + line + " of " + source);
                        }
                        name = v;
                    }
                    case "agent" -> {
                        if (!Principal.OWNER_ID.matcher(v).matches()) {
                            throw new IllegalArgumentException("invalid agent id in entry " + line + " of " + source);
                        }
                        agent = v;
                    }
                    case "users" -> {
                        var granted = new LinkedHashSet<String>();
                        for (String user : v.split("\\|")) {
                            String u = user.strip();
                            if (!u.equals(Principal.ALL_USERS) && !Principal.OWNER_ID.matcher(u).matches()) {
                                throw new IllegalArgumentException("invalid user id in users of entry " + line + " of " + source);
                            }
                            granted.add(u);
                        }
                        users = Set.copyOf(granted);
                    }
                    default -> throw new IllegalArgumentException("unknown attribute '" + k + "' in entry " + line + " of "
                            + source + "; known: scopes, reads, agent, users, name");
                }
            }
            if (agent != null && tenantWide) {
                throw new IllegalArgumentException("entry " + line + " of " + source
                        + ": a key bound to an agent cannot have reads=tenant; grant users instead");
            }
            if (agent == null && !users.isEmpty()) {
                throw new IllegalArgumentException("entry " + line + " of " + source + ": users is granted to an agent; add agent=");
            }
            String digest;
            if (key.startsWith("sha256:")) {
                digest = key.substring(7).toLowerCase(Locale.ROOT);
                if (!digest.matches("[0-9a-f]{64}")) {
                    throw new IllegalArgumentException("entry " + line + " of " + source + ": sha256: must be followed by 64 hex digits");
                }
            } else {
                if (key.length() < minKeyChars) {
                    throw new IllegalArgumentException("the key of entry " + line + " in " + source + " has " + key.length()
                            + " characters; at least " + minKeyChars + " are required (128 bits of randomness, such as"
                            + " `openssl rand -base64 24`)");
                }
                digest = digest(key);
            }
            digests.put(digest, new Grant(tenant, name != null ? name : tenant + ":" + digest.substring(0, 8), scopes, tenantWide,
                    agent, users));
        }
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
        return byDigest.size();
    }

    /** The API key a request carries ({@code X-API-Key}, or {@code Authorization: Bearer} that is not a JWT), or null. */
    static String presented(Context ctx) {
        String key = ctx.header(HEADER);
        if (key == null) {
            String auth = ctx.header("Authorization");
            if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                String token = auth.substring(7).strip();
                key = token.chars().filter(c -> c == '.').count() == 2 ? null : token;
            }
        }
        return key;
    }

    @Override
    public Principal authenticate(Context ctx) {
        String key = presented(ctx);
        if (key == null) {
            return null;
        }
        return principalFor(key);
    }

    /** Who a key acts for; a 401 for a key nobody issued. */
    public Principal principalFor(String key) {
        if (key.isBlank()) {
            throw ApiException.unauthorized("empty API key");
        }
        Grant grant = byDigest.get(digest(key));
        if (grant == null) {
            throw ApiException.unauthorized("unknown API key");
        }
        return new Principal(grant.tenant(), grant.name(), grant.scopes(), grant.tenantWideReads(), grant.agent(), grant.users());
    }
}
