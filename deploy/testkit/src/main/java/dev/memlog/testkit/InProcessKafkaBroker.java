package dev.memlog.testkit;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A single-node KRaft broker (combined broker and controller) running in this JVM. */
public final class InProcessKafkaBroker implements KafkaBroker {
    private static final Logger log = LoggerFactory.getLogger(InProcessKafkaBroker.class);

    private final KafkaRaftServer server;
    private final String bootstrap;

    private InProcessKafkaBroker(KafkaRaftServer server, String bootstrap) {
        this.server = server;
        this.bootstrap = bootstrap;
    }

    /** Formats the log directory if it is new and starts the broker; port 0 picks a free one. */
    public static InProcessKafkaBroker start(Path dataDir, int port) {
        long started = System.nanoTime();
        int brokerPort = port == 0 ? FreePorts.next() : port;
        int controllerPort = FreePorts.next();
        try {
            Files.createDirectories(dataDir);
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
            p.put("controller.listener.names", "CONTROLLER");
            p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
            p.put("log.dirs", dataDir.toAbsolutePath().toString());
            p.put("auto.create.topics.enable", "false");
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "4");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "4");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            if (!Files.exists(dataDir.resolve("meta.properties"))) {
                Path cfg = dataDir.resolveSibling(dataDir.getFileName() + "-format.properties");
                try (Writer w = Files.newBufferedWriter(cfg)) {
                    p.store(w, null);
                }
                int rc = kafka.tools.StorageTool$.MODULE$.execute(new String[] {"format", "--standalone", "--ignore-formatted",
                        "-t", Uuid.randomUuid().toString(), "-c", cfg.toString()}, new PrintStream(java.io.OutputStream.nullOutputStream()));
                if (rc != 0) {
                    throw new IllegalStateException("formatting the Kafka log directory failed with " + rc);
                }
            }
            var server = new KafkaRaftServer(new KafkaConfig(p, false), Time.SYSTEM);
            server.startup();
            String bootstrap = "127.0.0.1:" + brokerPort;
            log.info("Kafka broker (KRaft, in-process) ready at {} in {} ms", bootstrap, (System.nanoTime() - started) / 1_000_000);
            return new InProcessKafkaBroker(server, bootstrap);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
