package dev.memlog.testkit;

import java.nio.file.Path;

/** A running OpenSearch node with the k-NN and neural-search plugins. */
public interface OpenSearchNode extends AutoCloseable {

    /** Base URL of its REST API, e.g. http://127.0.0.1:9200. */
    String url();

    /** A container where Docker runs, otherwise a child JVM built from Maven Central artifacts. */
    static OpenSearchNode start(Path home) {
        return Infrastructure.useContainers() ? ContainerOpenSearchNode.start() : ChildProcessOpenSearchNode.start(home, 0);
    }

    /** A child JVM with the security plugin: HTTPS and basic auth for one admin user. Returns once it is green. */
    static SecuredOpenSearchNode startSecured(Path home) {
        // a child JVM even where Docker runs: the plain node plus the plugin, not the image's own security setup
        return SecuredChildProcessOpenSearchNode.start(home);
    }

    @Override
    void close();
}
