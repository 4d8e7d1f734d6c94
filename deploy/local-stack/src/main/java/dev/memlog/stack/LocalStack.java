package dev.memlog.stack;

import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.common.config.Env;
import dev.memlog.schemas.sealing.Encryption;
import dev.memlog.schemas.sealing.KeyEncryptionKey;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.consolidation.ConsolidationService;
import dev.memlog.ingest.IngestService;
import dev.memlog.mcp.McpService;
import dev.memlog.query.QueryService;
import dev.memlog.registry.Compatibility;
import dev.memlog.registry.SchemaRegistryServer;
import dev.memlog.schemas.TopicSettings;
import dev.memlog.testkit.InProcessKafkaBroker;
import dev.memlog.testkit.ChildProcessOpenSearchNode;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The whole platform on one machine from Maven Central artifacts alone: a KRaft broker and the schema registry
 * in this JVM, OpenSearch in a child JVM, and the three services, each on its own port as they would run apart.
 * Closing stops them in reverse order.
 */
public final class LocalStack implements AutoCloseable {

    /** Ports (0 picks a free one), where data lives, and the API keys the services accept. */
    /**
     * @param settings environment variables for this stack's services that take the place of the process's own
     *                 (SUMMARIZER, FACT_EXTRACTOR, IMPORTANCE_WEIGHT...), so one process can run differently set stacks
     */
    public record Config(Path dataDir, int kafkaPort, int registryPort, int openSearchPort, int ingestPort,
                         int consolidationPort, int queryPort, ApiKeys apiKeys, String embeddingModel, int partitions,
                         Map<String, String> settings) {
        public static Config freePorts(Path dataDir, ApiKeys apiKeys) {
            return freePorts(dataDir, apiKeys, Map.of());
        }

        /** Free ports, the default model and partitions, and these settings in place of the environment's. */
        public static Config freePorts(Path dataDir, ApiKeys apiKeys, Map<String, String> settings) {
            return new Config(dataDir, 0, 0, 0, 0, 0, 0, apiKeys, "bge-small-en-v1.5-q", 3, settings);
        }
    }

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final Env env;
    private final ServiceToken serviceToken;
    private final InProcessKafkaBroker kafka;
    private final ChildProcessOpenSearchNode openSearch;
    private final SchemaRegistryServer registry;
    private final IngestService ingest;
    private final ConsolidationService consolidation;
    private final QueryService query;
    private final McpService mcp;
    private final Encryption encryption;

    public LocalStack(Config config, Consumer<String> progress) throws Exception {
        Env base = Env.system().with(config.settings());
        // the services' credential to each other: the environment's, or one made for this stack alone
        this.serviceToken = new ServiceToken(base.string("SERVICE_TOKEN", randomToken()));
        this.encryption = encryption(base, config.dataDir());
        this.env = base.with(encryption.enabled()
                ? Map.of("SERVICE_TOKEN", serviceToken.authorization().substring("Bearer ".length()),
                        "ENCRYPTION_KEK_FILE", encryption.kekFile().toString())
                : Map.of("SERVICE_TOKEN", serviceToken.authorization().substring("Bearer ".length())));
        try {
            long t = System.nanoTime();
            progress.accept("[1/6] Kafka broker (KRaft)");
            kafka = InProcessKafkaBroker.start(config.dataDir().resolve("kafka"), config.kafkaPort());
            started.push(kafka);
            progress.accept(done(t, "Kafka at " + kafka.bootstrapServers()));

            t = System.nanoTime();
            progress.accept("[2/6] schema registry");
            registry = new SchemaRegistryServer(new SchemaRegistryServer.Config(kafka.bootstrapServers(), "127.0.0.1",
                    config.registryPort(), "_schemas", Compatibility.BACKWARD, serviceToken));
            started.push(registry);
            progress.accept(done(t, "schema registry at " + registry.url()));

            t = System.nanoTime();
            progress.accept("[3/6] OpenSearch node with k-NN and neural-search (child JVM)");
            openSearch = ChildProcessOpenSearchNode.start(config.dataDir().resolve("opensearch"), config.openSearchPort());
            started.push(openSearch);
            progress.accept(done(t, "OpenSearch at " + openSearch.url()));

            t = System.nanoTime();
            progress.accept("[4/6] embedding model " + config.embeddingModel() + " and ingest-service");
            // retrieval tuning (weights, shaping, tokenizer, query instruction) follows query-service's environment variables
            var tuned = QueryService.Config.from(env);
            EmbeddingProvider model = OnnxEmbeddingProvider.fromSetting(config.embeddingModel(), tuned.queryInstruction());
            // limits follow ingest-service's environment variables; topics have one replica on the one broker
            var limits = IngestService.Config.from(env);
            ingest = new IngestService(new IngestService.Config("127.0.0.1", config.ingestPort(), kafka.bootstrapServers(),
                    registry.url(), serviceToken.authorization(), config.apiKeys(), limits.tokens(), limits.maxRequestBytes(),
                    limits.maxBatchTurns(), limits.maxContentChars(),
                    limits.maxFutureSkew(), limits.appendTimeout(), TopicSettings.singleBroker(config.partitions()),
                    limits.maxEventRequestBytes(), limits.limits(), encryption));
            started.push(ingest);
            progress.accept(done(t, "ingest-service at http://127.0.0.1:" + ingest.port()));

            t = System.nanoTime();
            progress.accept("[5/6] consolidation-streams (exactly_once_v2)");
            // what consolidation derives (previous-turn context, summaries) follows its environment variables; where it
            // finds Kafka and keeps its state, and the replication of its topics on one broker, are the stack's
            consolidation = new ConsolidationService(ConsolidationService.Config.from(env.with(Map.of(
                    "STREAMS_APPLICATION_ID", "memlog-consolidation", "KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "SCHEMA_REGISTRY_URL", registry.url(), "STREAMS_STATE_DIR", config.dataDir().resolve("streams").toString(),
                    "HTTP_HOST", "127.0.0.1", "CONSOLIDATION_PORT", Integer.toString(config.consolidationPort()),
                    "EMBEDDING_MODEL", config.embeddingModel(), "TOPIC_PARTITIONS", Integer.toString(config.partitions()),
                    "TOPIC_REPLICATION_FACTOR", "1", "TOPIC_MIN_INSYNC_REPLICAS", "1"))), model);
            started.push(consolidation);
            progress.accept(done(t, "consolidation-streams health at http://127.0.0.1:" + consolidation.port()));

            t = System.nanoTime();
            progress.accept("[6/6] query-service and its materializer");
            query = new QueryService(new QueryService.Config("127.0.0.1", config.queryPort(), kafka.bootstrapServers(),
                    registry.url(), openSearch.url(), "memlog-records", 1, 0, tuned.tuning(), "memlog-query-materializer",
                    config.embeddingModel(), tuned.queryInstruction(), config.apiKeys(), tuned.tokenizer(), tuned.reranker(),
                    "http://127.0.0.1:" + consolidation.port(), tuned.strengthModel(), tuned.materializerMaxPollInterval(),
                    tuned.readyMaxLag(), serviceToken, serviceToken.authorization(), tuned.tokens(),
                    tuned.maxRequestBytes(), tuned.maxSearchRequestBytes(), tuned.limits(), encryption)
                    .withReplay(tuned.replay()).withRebuildWorkers(tuned.rebuildWorkers())
                    .withRetrieval(tuned.retrievalConcurrency(), tuned.retrievalWait(), tuned.queryEmbeddingCacheBytes()), model);
            started.push(query);
            progress.accept(done(t, "query-service at http://127.0.0.1:" + query.port()));

            // agents' hosts reach memory as MCP tools here, with the same keys; on the config's MCP_PORT (a port is the
            // stack's to choose, like the others, never the process environment's), or a free port
            int mcpPort = Integer.parseInt(config.settings().getOrDefault("MCP_PORT", "0"));
            mcp = new McpService(McpService.Config.local(mcpPort, ingestUrl(), queryUrl(), config.apiKeys(), tuned.tokens()));
            started.push(mcp);
            progress.accept("      MCP server at " + mcpUrl());
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Sealing on, with the key-encryption key of ENCRYPTION_KEK_FILE or, without one, a key made for this stack in its
     * data directory (encrypted by the master key of ENCRYPTION_KMS_KEY_URI when that is set); ENCRYPTION=off writes
     * values in the clear.
     */
    private static Encryption encryption(Env env, java.nio.file.Path dataDir) {
        if ("off".equalsIgnoreCase(env.string("ENCRYPTION", "on"))) {
            return Encryption.off();
        }
        var configured = Encryption.from(env::optional);
        var file = configured.enabled() ? configured.kekFile() : dataDir.resolve("keys").resolve("kek.json");
        var withFile = new Encryption(file, configured.kmsKeyUri(), env::optional);
        KeyEncryptionKey.generateIfAbsent(file, withFile.masterKey());
        return withFile;
    }

    /** Whether this stack's services seal what they write, and with which key-encryption key. */
    public Encryption encryption() {
        return encryption;
    }

    private static String randomToken() {
        byte[] bytes = new byte[24];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    /** Every route of every service of the stack, by service: ingest, consolidation, query, registry, mcp. */
    public java.util.Map<String, java.util.List<dev.memlog.common.http.ServiceServer.Route>> routes() {
        return java.util.Map.of("ingest", ingest.routes(), "consolidation", consolidation.routes(), "query", query.routes(),
                "registry", registry.routes(), "mcp", mcp.routes());
    }

    /** The credential this stack's services present to each other (and tests to consolidation and the registry). */
    public ServiceToken serviceToken() {
        return serviceToken;
    }

    private static String done(long startedNanos, String what) {
        return String.format("      ready in %.1f s: %s", (System.nanoTime() - startedNanos) / 1e9, what);
    }

    /** The settings this stack's services were started with: the process's environment and the config's overrides. */
    public Env env() {
        return env;
    }

    public String ingestUrl() {
        return "http://127.0.0.1:" + ingest.port();
    }

    public String queryUrl() {
        return "http://127.0.0.1:" + query.port();
    }

    /** The MCP endpoint agents' hosts connect to (streamable HTTP). */
    public String mcpUrl() {
        return "http://127.0.0.1:" + mcp.port() + "/mcp";
    }

    public String consolidationUrl() {
        return "http://127.0.0.1:" + consolidation.port();
    }

    public String registryUrl() {
        return registry.url();
    }

    public String openSearchUrl() {
        return openSearch.url();
    }

    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("error while stopping: " + e.getMessage());
            }
        }
    }
}
