package dev.memlog.faults;

import dev.memlog.schemas.sealing.Encryption;
import dev.memlog.schemas.sealing.KeyEncryptionKey;
import dev.memlog.testkit.ChildProcess;
import dev.memlog.testkit.ChildProcessKafkaCluster;
import dev.memlog.testkit.ChildProcessOpenSearchNode;
import dev.memlog.testkit.FreePorts;
import dev.memlog.testkit.TestCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The platform with every part in a process of its own, as it runs in production: Kafka nodes, the schema registry,
 * OpenSearch, ingest, one or more consolidation instances and query-service, each a JVM started from the build's
 * classpath and configured by environment variables only. Any part can be killed for real and started again.
 */
public final class ProcessStack implements AutoCloseable {
    static final Duration READY = Duration.ofSeconds(120);
    /** The tenants the fault scenarios write to, one each, so each scenario's count is its own. */
    static final List<String> TENANTS = List.of("t-consolidation", "t-broker", "t-opensearch", "t-query", "t-poison",
            "t-cluster-broker", "t-cluster-consolidation", "t-spare");

    /**
     * @param brokers Kafka nodes (three give replication 3 with 2 in sync)
     * @param consolidations consolidation instances sharing the partitions
     * @param extraEnv settings for every service on top of the stack's own
     */
    public record Options(int brokers, int consolidations, int partitions, Map<String, String> extraEnv) {
    }

    private final Path dir;
    private final Options options;
    private final ChildProcessKafkaCluster kafka;
    private final ChildProcess registry;
    private final int registryPort;
    private final int openSearchPort;
    private volatile ChildProcessOpenSearchNode openSearch;
    private final ChildProcess ingest;
    private final int ingestPort;
    private final List<ChildProcess> consolidations = new ArrayList<>();
    private final List<Integer> consolidationPorts = new ArrayList<>();
    private final List<Map<String, String>> consolidationEnvs = new ArrayList<>();
    private final ChildProcess query;
    private final int queryPort;

    private ProcessStack(Path dir, Options options, Consumer<String> progress) {
        this.dir = dir;
        this.options = options;
        long t = System.nanoTime();
        kafka = ChildProcessKafkaCluster.start(dir.resolve("kafka"), options.brokers());
        progress.accept(String.format("Kafka, %d node(s), in %.1f s", options.brokers(), seconds(t)));
        t = System.nanoTime();
        registryPort = FreePorts.next();
        registry = service("schema-registry", "dev.memlog.registry.SchemaRegistryServer", "192m",
                Map.of("SCHEMA_REGISTRY_PORT", Integer.toString(registryPort)));
        openSearchPort = FreePorts.next();
        openSearch = ChildProcessOpenSearchNode.start(dir.resolve("opensearch"), openSearchPort);
        registry.awaitHttp200(registryUrl() + "/health/ready", READY);
        progress.accept(String.format("schema registry and OpenSearch in %.1f s", seconds(t)));
        t = System.nanoTime();
        ingestPort = FreePorts.next();
        ingest = service("ingest", "dev.memlog.ingest.IngestService", "256m", Map.of("INGEST_PORT", Integer.toString(ingestPort)));
        for (int i = 0; i < options.consolidations(); i++) {
            int port = FreePorts.next();
            consolidationPorts.add(port);
            Map<String, String> env = new HashMap<>(Map.of("CONSOLIDATION_PORT", Integer.toString(port),
                    "CONSOLIDATION_ADVERTISED_SERVER", "127.0.0.1:" + port,
                    "STREAMS_STATE_DIR", stateDir(i, 0).toString()));
            consolidationEnvs.add(env);
            consolidations.add(service("consolidation-" + (i + 1), "dev.memlog.consolidation.ConsolidationService", "640m", env));
        }
        queryPort = FreePorts.next();
        query = service("query", "dev.memlog.query.QueryService", "640m", Map.of("QUERY_PORT", Integer.toString(queryPort),
                "OPENSEARCH_URL", openSearchUrl(), "CONSOLIDATION_URL", consolidationUrl(0)));
        ingest.awaitHttp200(ingestUrl() + "/health/ready", READY);
        for (int i = 0; i < consolidations.size(); i++) {
            consolidations.get(i).awaitHttp200(consolidationUrl(i) + "/health/ready", READY);
        }
        query.awaitHttp200(queryUrl() + "/health/ready", READY);
        progress.accept(String.format("ingest, %d consolidation and query in %.1f s", consolidations.size(), seconds(t)));
    }

    /** Every service of this stack seals with one key-encryption key, made for it in its directory. */
    public Encryption encryption() {
        Path kek = dir.resolve("keys").resolve("kek.json");
        KeyEncryptionKey.generateIfAbsent(kek);
        return new Encryption(kek);
    }

    public static ProcessStack start(Path dir, Options options, Consumer<String> progress) {
        return new ProcessStack(dir, options, progress);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** The settings every service shares: where Kafka, the registry and each other are, the keys, the replication. */
    private Map<String, String> commonEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", registryUrl());
        env.put("HTTP_HOST", "127.0.0.1");
        env.put("API_KEYS", String.join(",", TENANTS.stream().map(t -> keyOf(t) + "=" + t).toList()));
        env.put("SERVICE_TOKEN", TestCredentials.SERVICE_TOKEN);
        env.put("ENCRYPTION_KEK_FILE", encryption().kekFile().toString());
        env.put("TOPIC_PARTITIONS", Integer.toString(options.partitions()));
        env.put("TOPIC_REPLICATION_FACTOR", Integer.toString(Math.min(3, options.brokers())));
        env.put("TOPIC_MIN_INSYNC_REPLICAS", Integer.toString(options.brokers() >= 3 ? 2 : 1));
        env.put("LOG_FORMAT", "text");
        env.put("LOG_LEVEL", "INFO");
        env.put("LIBRARY_LOG_LEVEL", "WARN");
        env.put("SHUTDOWN_DRAIN_SECONDS", "0"); // no load balancer to drain from: a stop is a stop
        env.putAll(options.extraEnv());
        return env;
    }

    private ChildProcess service(String name, String mainClass, String heap, Map<String, String> env) {
        Map<String, String> all = new LinkedHashMap<>(commonEnv());
        all.putAll(env);
        Path tmp = dir.resolve("tmp-" + name);
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ChildProcess.start(new ChildProcess.Spec(name, mainClass, ServiceClasspath.entries(), all,
                List.of("-Xms64m", "-Xmx" + heap, "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                        "-Djava.net.preferIPv4Stack=true", "-Djava.io.tmpdir=" + tmp), List.of()), dir.resolve("logs"));
    }

    private Path stateDir(int instance, int generation) {
        return dir.resolve("streams-" + (instance + 1) + "-" + generation);
    }

    /** The API key of a tenant of this stack. */
    public static String keyOf(String tenant) {
        return "key-" + tenant + "-0123456789abcdef";
    }

    public String ingestUrl() {
        return "http://127.0.0.1:" + ingestPort;
    }

    public String queryUrl() {
        return "http://127.0.0.1:" + queryPort;
    }

    public String consolidationUrl(int instance) {
        return "http://127.0.0.1:" + consolidationPorts.get(instance);
    }

    public String registryUrl() {
        return "http://127.0.0.1:" + registryPort;
    }

    public String openSearchUrl() {
        return "http://127.0.0.1:" + openSearchPort;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public ChildProcessKafkaCluster kafka() {
        return kafka;
    }

    public ChildProcess ingest() {
        return ingest;
    }

    public ChildProcess query() {
        return query;
    }

    public ChildProcess consolidation(int instance) {
        return consolidations.get(instance);
    }

    public int consolidations() {
        return consolidations.size();
    }

    /** {@code kill -9} of a consolidation instance. */
    public void killConsolidation(int instance) {
        consolidations.get(instance).kill();
    }

    /**
     * Starts a consolidation instance again; on an empty state directory when asked, so every store comes back from
     * its changelog, as on a new machine.
     */
    public void restartConsolidation(int instance, boolean emptyState) {
        var env = consolidationEnvs.get(instance);
        if (emptyState) {
            int generation = Integer.parseInt(env.get("STREAMS_STATE_DIR").replaceAll(".*-", "")) + 1;
            env.put("STREAMS_STATE_DIR", stateDir(instance, generation).toString());
        }
        var restarted = service("consolidation-" + (instance + 1), "dev.memlog.consolidation.ConsolidationService", "640m", env);
        consolidations.set(instance, restarted);
    }

    public void awaitConsolidationReady(int instance) {
        consolidations.get(instance).awaitHttp200(consolidationUrl(instance) + "/health/ready", READY);
    }

    /** {@code kill -9} of OpenSearch. */
    public void killOpenSearch() {
        openSearch.kill();
    }

    /** OpenSearch again, on its data and port; returns once the cluster is green. */
    public void startOpenSearch() {
        openSearch = ChildProcessOpenSearchNode.start(dir.resolve("opensearch"), openSearchPort);
    }

    @Override
    public void close() {
        List<AutoCloseable> parts = new ArrayList<>();
        parts.add(query);
        parts.addAll(consolidations);
        parts.add(ingest);
        parts.add(openSearch);
        parts.add(registry);
        parts.add(kafka);
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception e) {
                System.err.println("error while stopping: " + e);
            }
        }
    }

    /** Deletes a directory tree; for data a scenario throws away. */
    static void delete(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
