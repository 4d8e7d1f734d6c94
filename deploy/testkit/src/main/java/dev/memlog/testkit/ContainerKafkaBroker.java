package dev.memlog.testkit;

import org.testcontainers.kafka.KafkaContainer;

/** A KRaft broker in a container, for machines with a Docker engine. */
final class ContainerKafkaBroker implements KafkaBroker {
    private final KafkaContainer container;

    private ContainerKafkaBroker(KafkaContainer container) {
        this.container = container;
    }

    static ContainerKafkaBroker start() {
        var container = new KafkaContainer("apache/kafka:4.3.1");
        container.start();
        return new ContainerKafkaBroker(container);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public void close() {
        container.stop();
    }
}
