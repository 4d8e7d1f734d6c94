package dev.memlog.testkit;

import java.time.Duration;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/** The official OpenSearch image (k-NN and neural-search included), security off, for machines with Docker. */
final class ContainerOpenSearchNode implements OpenSearchNode {
    private final GenericContainer<?> container;

    private ContainerOpenSearchNode(GenericContainer<?> container) {
        this.container = container;
    }

    static ContainerOpenSearchNode start() {
        GenericContainer<?> container = new GenericContainer<>("opensearchproject/opensearch:3.6.0")
                .withEnv("discovery.type", "single-node")
                .withEnv("DISABLE_SECURITY_PLUGIN", "true")
                .withEnv("DISABLE_INSTALL_DEMO_CONFIG", "true")
                .withEnv("OPENSEARCH_JAVA_OPTS", "-Xms512m -Xmx512m")
                .withExposedPorts(9200)
                .waitingFor(Wait.forHttp("/_cluster/health?wait_for_status=yellow").forPort(9200)
                        .withStartupTimeout(Duration.ofMinutes(3)));
        container.start();
        return new ContainerOpenSearchNode(container);
    }

    @Override
    public String url() {
        return "http://" + container.getHost() + ":" + container.getMappedPort(9200);
    }

    @Override
    public void close() {
        container.stop();
    }
}
