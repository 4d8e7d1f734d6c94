package dev.memlog.testkit;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** A {@link ChildProcessOpenSearchNode} that loads the security plugin, with its certificates and admin made for it. */
final class SecuredChildProcessOpenSearchNode implements SecuredOpenSearchNode {
    private final ChildProcessOpenSearchNode node;
    private final AdminCredentials admin;
    private final Path caCertificate;

    private SecuredChildProcessOpenSearchNode(ChildProcessOpenSearchNode node, AdminCredentials admin, Path caCertificate) {
        this.node = node;
        this.admin = admin;
        this.caCertificate = caCertificate;
    }

    /** Writes the plugin's configuration under home and starts the node; returns once it is green over HTTPS. */
    static SecuredChildProcessOpenSearchNode start(Path home) {
        Path config = home.resolve("config");
        AdminCredentials admin = AdminCredentials.in(config.resolve("memlog-admin.password"));
        // hashing is a JVM start of its own: it runs while keytool makes the certificates
        Path hasherLog = home.resolve("logs").resolve("hasher.out");
        var hash = CompletableFuture.supplyAsync(() -> SecurityPluginHasher.hash(admin.password(), hasherLog));
        NodeCertificates certs = NodeCertificates.in(config.resolve("certs"));
        try {
            SecurityPluginConfig.write(config, certs, admin.username(), hash.join());
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).sslContext(certs.clientContext()).build();
        var node = ChildProcessOpenSearchNode.start(home, 0,
                new ChildProcessOpenSearchNode.Access("https", true, http, admin.authorization()));
        return new SecuredChildProcessOpenSearchNode(node, admin, certs.ca());
    }

    @Override
    public String url() {
        return node.url();
    }

    @Override
    public String username() {
        return admin.username();
    }

    @Override
    public String password() {
        return admin.password();
    }

    @Override
    public Path caCertificate() {
        return caCertificate;
    }

    @Override
    public void close() {
        node.close();
    }
}
