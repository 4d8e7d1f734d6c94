package dev.memlog.schemas.registry;

import dev.memlog.schemas.TrustedCertificates;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * How a service reaches the schema registry: SCHEMA_REGISTRY_URL, the Authorization header it sends (a Bearer
 * service token, or Basic credentials for Confluent's or Karapace's basic auth), and SCHEMA_REGISTRY_CA_FILE, the
 * PEM CA of an https:// registry with a private CA.
 */
public record RegistryConnection(String url, String authorization, Optional<Path> caFile) {
    public static final String DEFAULT_URL = "http://127.0.0.1:8081";

    public RegistryConnection {
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new IllegalArgumentException("SCHEMA_REGISTRY_URL must be an http:// or https:// URL, was '" + url + "'");
        }
        if (caFile.isPresent() && !url.startsWith("https://")) {
            throw new IllegalArgumentException("SCHEMA_REGISTRY_CA_FILE is for an https:// registry, but SCHEMA_REGISTRY_URL is " + url);
        }
    }

    public static RegistryConnection of(String url, String authorization) {
        return new RegistryConnection(url, authorization, Optional.empty());
    }

    /** @param env looks an environment variable up, null when it is not set */
    public static RegistryConnection from(Function<String, String> env, String authorization) {
        String url = env.apply("SCHEMA_REGISTRY_URL");
        String ca = env.apply("SCHEMA_REGISTRY_CA_FILE");
        return new RegistryConnection(url == null || url.isBlank() ? DEFAULT_URL : url.strip(), authorization,
                ca == null || ca.isBlank() ? Optional.empty() : Optional.of(Path.of(ca.strip())));
    }

    public SchemaRegistryClient client() {
        return new SchemaRegistryClient(url, authorization,
                caFile.map(file -> TrustedCertificates.sslContext(file, "SCHEMA_REGISTRY_CA_FILE")).orElse(null));
    }

    @Override
    public String toString() {
        return "RegistryConnection[url=" + url + ", authorization=" + (authorization == null ? "none" : "(redacted)")
                + ", caFile=" + caFile.map(Path::toString).orElse("none") + "]";
    }
}
