package dev.memlog.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The OpenSearch security plugin's configuration in a node's config directory: TLS on transport and HTTP from the
 * given PEM files in {@code opensearch.yml}, and in {@code opensearch-security/} one admin user with all access who
 * logs in with HTTP basic auth. Nothing else (no demo users, no anonymous access, no audit log).
 */
final class SecurityPluginConfig {
    private SecurityPluginConfig() {
    }

    /** Writes the files, replacing earlier ones; {@code bcryptHash} is the admin's password as the plugin stores it. */
    static void write(Path config, NodeCertificates certs, String username, String bcryptHash) {
        // relative paths: the plugin resolves them against the config directory
        String ca = config.relativize(certs.ca()).toString();
        String node = config.relativize(certs.node()).toString();
        String key = config.relativize(certs.nodeKey()).toString();
        String settings = """
                plugins.security.ssl.transport.pemcert_filepath: %2$s
                plugins.security.ssl.transport.pemkey_filepath: %3$s
                plugins.security.ssl.transport.pemtrustedcas_filepath: %1$s
                plugins.security.ssl.transport.enforce_hostname_verification: false
                plugins.security.ssl.http.enabled: true
                plugins.security.ssl.http.pemcert_filepath: %2$s
                plugins.security.ssl.http.pemkey_filepath: %3$s
                plugins.security.ssl.http.pemtrustedcas_filepath: %1$s
                # the node creates its security index from opensearch-security/ itself: no securityadmin run
                plugins.security.allow_default_init_securityindex: true
                plugins.security.nodes_dn:
                  - "%4$s"
                plugins.security.audit.type: noop
                plugins.security.restapi.roles_enabled: ["all_access"]
                plugins.security.system_indices.enabled: true
                """.formatted(ca, node, key, NodeCertificates.NODE_DN);
        Map<String, String> security = Map.of(
                "config.yml", meta("config") + """
                        config:
                          dynamic:
                            http:
                              anonymous_auth_enabled: false
                            authc:
                              basic_internal_auth_domain:
                                http_enabled: true
                                transport_enabled: true
                                order: 0
                                http_authenticator:
                                  type: basic
                                  challenge: true
                                authentication_backend:
                                  type: intern
                        """,
                "internal_users.yml", meta("internalusers") + """
                        %s:
                          hash: "%s"
                          reserved: true
                          description: "memlog test kit admin"
                        """.formatted(username, bcryptHash),
                // all_access is one of the plugin's built-in roles; only who holds it is configured here
                "roles_mapping.yml", meta("rolesmapping") + """
                        all_access:
                          reserved: false
                          users:
                            - "%s"
                        """.formatted(username),
                "roles.yml", meta("roles"),
                "action_groups.yml", meta("actiongroups"),
                "tenants.yml", meta("tenants"),
                "nodes_dn.yml", meta("nodesdn"),
                "allowlist.yml", meta("allowlist") + "config:\n  enabled: false\n",
                "audit.yml", meta("audit") + "config:\n  enabled: false\n");
        try {
            Files.writeString(config.resolve("opensearch.yml"), settings);
            Path dir = Files.createDirectories(config.resolve("opensearch-security"));
            for (var file : security.entrySet()) {
                Files.writeString(dir.resolve(file.getKey()), file.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String meta(String type) {
        return "_meta:\n  type: \"" + type + "\"\n  config_version: 2\n";
    }
}
