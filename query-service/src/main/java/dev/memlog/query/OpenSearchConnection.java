package dev.memlog.query;

import dev.memlog.common.config.Env;
import dev.memlog.schemas.TrustedCertificates;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How query-service reaches OpenSearch: OPENSEARCH_URL, basic auth (OPENSEARCH_USERNAME, OPENSEARCH_PASSWORD) and a
 * private CA (OPENSEARCH_CA_FILE). Another authentication, such as AWS SigV4 for Amazon OpenSearch Service, is a new
 * {@link Auth} case with its own transport in {@link OpenSearchRest}.
 */
public record OpenSearchConnection(URI url, Auth auth, Optional<Path> caFile) {

    /** What a request presents to the cluster. */
    public sealed interface Auth {
        /** No credential: a cluster without the security plugin, or behind a proxy that adds one. */
        record None() implements Auth {
        }

        /** HTTP basic auth on every request. */
        record Basic(String username, String password) implements Auth {
            public Basic {
                if (username.indexOf(':') >= 0 || username.chars().anyMatch(Character::isISOControl)) {
                    throw new IllegalArgumentException("OPENSEARCH_USERNAME cannot hold ':' or control characters");
                }
            }

            String header() {
                return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public String toString() {
                return "Basic[username=" + username + ", password=(redacted)]";
            }
        }
    }

    public OpenSearchConnection {
        if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException("OPENSEARCH_URL must be an http:// or https:// URL with a host, was '" + url + "'");
        }
        if (auth instanceof Auth.Basic && url.getScheme().equals("http") && !isLoopback(url.getHost())) {
            throw new IllegalArgumentException("OPENSEARCH_USERNAME over http:// would send the password in the clear: use https://");
        }
        if (caFile.isPresent() && url.getScheme().equals("http")) {
            throw new IllegalArgumentException("OPENSEARCH_CA_FILE is for https://, but OPENSEARCH_URL is " + url);
        }
    }

    /** A node without security, as the local stack runs it. */
    public static OpenSearchConnection of(String url) {
        return new OpenSearchConnection(parse(url), new Auth.None(), Optional.empty());
    }

    public static OpenSearchConnection from(Env env) {
        URI url = parse(env.string("OPENSEARCH_URL", "http://127.0.0.1:9200"));
        String username = env.optional("OPENSEARCH_USERNAME");
        String password = env.optional("OPENSEARCH_PASSWORD");
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD go together: set both or neither");
        }
        Auth auth = username == null ? new Auth.None() : new Auth.Basic(username, password);
        return new OpenSearchConnection(url, auth, Optional.ofNullable(env.optional("OPENSEARCH_CA_FILE")).map(Path::of));
    }

    /** TLS trusting the CA file, when one is set. */
    Optional<SSLContext> trust() {
        return caFile.map(file -> TrustedCertificates.sslContext(file, "OPENSEARCH_CA_FILE"));
    }

    private static URI parse(String url) {
        try {
            return URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("OPENSEARCH_URL is not a URL: '" + url + "'");
        }
    }

    private static boolean isLoopback(String host) {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]");
    }
}
