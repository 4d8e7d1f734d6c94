package dev.memlog.testkit;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * A KRaft cluster of one or more nodes (each broker and controller), every node a JVM of its own, so a test can kill
 * one for real and start it again on the same log directory and ports. With three nodes, topics can have three
 * replicas with two in sync, and the cluster goes on when one node dies.
 */
public final class ChildProcessKafkaCluster implements KafkaBroker {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final List<ChildProcess> nodes;
    private final List<Integer> ports;

    private ChildProcessKafkaCluster(List<ChildProcess> nodes, List<Integer> ports) {
        this.nodes = nodes;
        this.ports = ports;
    }

    /** Formats and starts {@code size} nodes under {@code dir}; returns once every node accepts connections. */
    public static ChildProcessKafkaCluster start(Path dir, int size) {
        List<Integer> ports = new ArrayList<>();
        List<Integer> controllers = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ports.add(FreePorts.next());
            controllers.add(FreePorts.next());
        }
        String voters = java.util.stream.IntStream.range(0, size)
                .mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllers.get(i)).collect(Collectors.joining(","));
        String clusterId = Uuid.randomUuid().toString();
        short replication = (short) Math.min(3, size);
        List<ChildProcess> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Path home = dir.resolve("node-" + (i + 1));
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", Integer.toString(i + 1));
            p.put("controller.quorum.voters", voters);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + ports.get(i) + ",CONTROLLER://127.0.0.1:" + controllers.get(i));
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + ports.get(i));
            p.put("controller.listener.names", "CONTROLLER");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
            p.put("log.dirs", home.resolve("logs").toAbsolutePath().toString());
            p.put("auto.create.topics.enable", "false");
            p.put("offsets.topic.replication.factor", Short.toString(replication));
            p.put("offsets.topic.num.partitions", "4");
            p.put("transaction.state.log.replication.factor", Short.toString(replication));
            p.put("transaction.state.log.min.isr", Integer.toString(Math.max(1, replication - 1)));
            p.put("transaction.state.log.num.partitions", "4");
            p.put("share.coordinator.state.topic.replication.factor", Short.toString(replication));
            p.put("share.coordinator.state.topic.min.isr", Integer.toString(Math.max(1, replication - 1)));
            p.put("default.replication.factor", Short.toString(replication));
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("unclean.leader.election.enable", "false");
            Path config = home.resolve("server.properties");
            try {
                Files.createDirectories(home.resolve("logs"));
                try (Writer w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
                    p.store(w, null);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int rc = kafka.tools.StorageTool$.MODULE$.execute(new String[] {"format", "--ignore-formatted", "-t", clusterId,
                    "-c", config.toString()}, new PrintStream(java.io.OutputStream.nullOutputStream()));
            if (rc != 0) {
                throw new IllegalStateException("formatting Kafka node " + (i + 1) + " failed with " + rc);
            }
            nodes.add(ChildProcess.start(new ChildProcess.Spec("kafka-" + (i + 1), "kafka.Kafka", classpath(), java.util.Map.of(),
                    List.of("-Xms128m", "-Xmx384m", "-XX:+UseSerialGC", "-Djava.net.preferIPv4Stack=true",
                            "-Dlog4j2.level=WARN"), List.of(config.toString())), dir));
        }
        var cluster = new ChildProcessKafkaCluster(nodes, ports);
        for (int i = 0; i < size; i++) {
            cluster.awaitListening(i);
        }
        return cluster;
    }

    /** This module's own classes and its dependencies, Kafka's broker among them. */
    static List<String> classpath() {
        return BuildClasspath.of(ChildProcessKafkaCluster.class, "memlog-testkit.classpath");
    }

    private void awaitListening(int node) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!nodes.get(node).alive()) {
                throw new IllegalStateException("Kafka node " + (node + 1) + " exited; see " + nodes.get(node).log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", ports.get(node)), 500);
                return;
            } catch (IOException e) {
                // not yet
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("Kafka node " + (node + 1) + " not listening within " + START_TIMEOUT);
    }

    @Override
    public String bootstrapServers() {
        return ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    public int size() {
        return nodes.size();
    }

    /** {@code kill -9} of one node (0-based). */
    public void kill(int node) {
        nodes.get(node).kill();
    }

    /** Starts a killed or stopped node again on its log directory and ports. */
    public void restart(int node) {
        nodes.get(node).restart();
        awaitListening(node);
    }

    public boolean alive(int node) {
        return nodes.get(node).alive();
    }

    @Override
    public void close() {
        nodes.forEach(n -> n.terminate(Duration.ofSeconds(20)));
    }
}
