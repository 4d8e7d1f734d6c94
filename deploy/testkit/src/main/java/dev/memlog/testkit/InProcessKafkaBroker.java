package dev.memlog.testkit;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    /** The user the secured broker knows, SCRAM-SHA-512, created when its log directory is formatted. */
    public static final String SCRAM_USER = "memlog";
    private static final String SCRAM_MECHANISM = "SCRAM-SHA-512";

    private final KafkaRaftServer server;
    private final String bootstrap;
    /** The TLS material and the password of a secured broker; null for a plaintext one. */
    private final SelfSignedCertificate secured;

    private InProcessKafkaBroker(KafkaRaftServer server, String bootstrap, SelfSignedCertificate secured) {
        this.server = server;
        this.bootstrap = bootstrap;
        this.secured = secured;
    }

    /** Formats the log directory if it is new and starts the broker; port 0 picks a free one. */
    public static InProcessKafkaBroker start(Path dataDir, int port) {
        return start(dataDir, port, false);
    }

    /**
     * A broker that clients reach only over SASL_SSL with SCRAM-SHA-512 ({@link #SCRAM_USER}), behind a self-signed
     * certificate for 127.0.0.1 made for it: {@link #bootstrapServers()} is that listener, so a client without
     * {@link #clientSettings()} cannot talk to it. The broker's own traffic to itself and to its controller stays on
     * plaintext listeners no client is given.
     */
    public static InProcessKafkaBroker startSecured(Path dataDir) {
        return start(dataDir, 0, true);
    }

    private static InProcessKafkaBroker start(Path dataDir, int port, boolean secure) {
        long started = System.nanoTime();
        int brokerPort = port == 0 ? FreePorts.next() : port;
        int controllerPort = FreePorts.next();
        try {
            Files.createDirectories(dataDir);
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
            p.put("controller.listener.names", "CONTROLLER");
            SelfSignedCertificate secured = null;
            if (secure) {
                secured = SelfSignedCertificate.in(dataDir.resolveSibling(dataDir.getFileName() + "-tls"));
                int internalPort = FreePorts.next();
                p.put("listeners", "CLIENT://127.0.0.1:" + brokerPort + ",INTERNAL://127.0.0.1:" + internalPort
                        + ",CONTROLLER://127.0.0.1:" + controllerPort);
                // the inter-broker listener must be advertised too, but only the secured one is ever handed to a client
                p.put("advertised.listeners", "CLIENT://127.0.0.1:" + brokerPort + ",INTERNAL://127.0.0.1:" + internalPort);
                p.put("inter.broker.listener.name", "INTERNAL");
                p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT,CLIENT:SASL_SSL");
                p.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
                String listener = "listener.name.client.";
                p.put(listener + SCRAM_MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
                p.put(listener + "ssl.keystore.location", secured.keystore().toString());
                p.put(listener + "ssl.keystore.password", secured.password());
                p.put(listener + "ssl.key.password", secured.password());
                p.put(listener + "ssl.keystore.type", "PKCS12");
            } else {
                p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
                p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
                p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
            }
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
                var args = new java.util.ArrayList<>(List.of("format", "--standalone", "--ignore-formatted",
                        "-t", Uuid.randomUuid().toString(), "-c", cfg.toString()));
                if (secure) {
                    // the user exists in the cluster's first metadata, before any client connects
                    args.addAll(List.of("--add-scram", SCRAM_MECHANISM + "=[name=" + SCRAM_USER + ",password=" + secured.password() + "]"));
                }
                int rc = kafka.tools.StorageTool$.MODULE$.execute(args.toArray(String[]::new),
                        new PrintStream(java.io.OutputStream.nullOutputStream()));
                if (rc != 0) {
                    throw new IllegalStateException("formatting the Kafka log directory failed with " + rc);
                }
            }
            var server = new KafkaRaftServer(new KafkaConfig(p, false), Time.SYSTEM);
            server.startup();
            String bootstrap = "127.0.0.1:" + brokerPort;
            log.info("Kafka broker (KRaft, in-process{}) ready at {} in {} ms", secure ? ", SASL_SSL" : "", bootstrap,
                    (System.nanoTime() - started) / 1_000_000);
            return new InProcessKafkaBroker(server, bootstrap, secured);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What a client needs besides {@link #bootstrapServers()}: nothing for a plain broker; for a secured one
     * security.protocol, sasl.mechanism, sasl.jaas.config and the truststore.
     */
    public Map<String, String> clientSettings() {
        return secured == null ? Map.of() : clientSettings(secured.password());
    }

    /** {@link #clientSettings()} with another password for {@link #SCRAM_USER}: one the broker must refuse. */
    public Map<String, String> clientSettings(String password) {
        if (secured == null) {
            throw new IllegalStateException("this broker takes plaintext clients: start it with startSecured");
        }
        return Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", SCRAM_MECHANISM,
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + SCRAM_USER + "\" password=\"" + password + "\";",
                "ssl.truststore.location", secured.truststore().toString(),
                "ssl.truststore.password", secured.password(), "ssl.truststore.type", "PKCS12");
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
