package dev.memlog.testkit;

import java.nio.file.Path;

/** A running OpenSearch node behind the security plugin: HTTPS only, every request with HTTP basic auth. */
public interface SecuredOpenSearchNode extends OpenSearchNode {

    /** Base URL of its REST API, e.g. https://127.0.0.1:9200. */
    @Override
    String url();

    /** The admin user, who may do everything. */
    String username();

    /** The admin's password: random for each new home. */
    String password();

    /** The PEM file of the CA that signed the node's certificate: what a client trusts. */
    Path caCertificate();
}
