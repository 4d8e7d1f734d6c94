package dev.memlog.testkit;

/** A running Kafka cluster that tests and the local stack can reach. */
public interface KafkaBroker extends AutoCloseable {

    String bootstrapServers();

    /** The broker for this machine: a container where Docker runs, otherwise an in-process KRaft broker. */
    static KafkaBroker start(java.nio.file.Path dataDir) {
        return Infrastructure.useContainers() ? ContainerKafkaBroker.start() : InProcessKafkaBroker.start(dataDir, 0);
    }

    @Override
    void close();
}
