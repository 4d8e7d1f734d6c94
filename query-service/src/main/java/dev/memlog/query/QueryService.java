package dev.memlog.query;

import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.auth.Credentials;
import dev.memlog.common.auth.JwtAuthenticator;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.common.config.Env;
import dev.memlog.common.tracing.Tracing;
import dev.memlog.common.limits.TenantLimits;
import dev.memlog.common.limits.TenantRateLimits;
import io.github.bucket4j.TimeMeter;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.http.Health;
import dev.memlog.common.http.Metrics;
import dev.memlog.common.http.GracefulShutdown;
import dev.memlog.common.http.ApiDocs;
import dev.memlog.common.http.ServiceServer;
import dev.memlog.common.memory.StrengthModel;
import dev.memlog.schemas.KafkaConnection;
import dev.memlog.schemas.registry.RegistryConnection;
import dev.memlog.schemas.sealing.Encryption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** query-service: keeps OpenSearch in step with memory.records and answers retrieval requests. */
public final class QueryService implements GracefulShutdown.Stoppable {
    private static final Logger log = LoggerFactory.getLogger(QueryService.class);

    /** Settings, each from an environment variable with a default that works on the local stack. */
    public record Config(String host, int port, OptionalInt managementPort, KafkaConnection kafka, RegistryConnection registry,
                         OpenSearchConnection openSearch,
                         String indexAlias, int shards, int replicas, HybridRetriever.Tuning tuning, String consumerGroup,
                         String embeddingModel, boolean queryInstruction, ApiKeys apiKeys, String tokenizer,
                         RerankerChoice reranker, String consolidationUrl, StrengthModel strengthModel,
                         Duration materializerMaxPollInterval, long readyMaxLag, ServiceToken serviceToken,
                         JwtAuthenticator tokens, long maxRequestBytes,
                         long maxSearchRequestBytes, TenantLimits limits, Encryption encryption, ReplaySettings replay,
                         int rebuildWorkers, int retrievalConcurrency, Duration retrievalWait, long queryEmbeddingCacheBytes) {
        public static Config from(Env env) {
            var listen = ServiceServer.Listen.from(env, env.integer("QUERY_PORT", 8083));
            return new Config(listen.host(), listen.port(), listen.managementPort(),
                    KafkaConnection.from(env.passthrough("KAFKA_")),
                    RegistryConnection.from(env::optional, ServiceToken.from(env).registryAuthorization(env)),
                    OpenSearchConnection.from(env),
                    env.string("INDEX_ALIAS", "memlog-records"), env.integer("INDEX_SHARDS", 1),
                    env.integer("INDEX_REPLICAS", 0), tuning(env),
                    env.string("MATERIALIZER_GROUP", "memlog-query-materializer"),
                    env.string("EMBEDDING_MODEL", "bge-small-en-v1.5-q"),
                    Boolean.parseBoolean(env.string("EMBEDDING_QUERY_INSTRUCTION", "true")),
                    Credentials.apiKeys(env),
                    env.string("CONTEXT_TOKENIZER", "cl100k_base"), RerankerChoice.from(env),
                    env.string("CONSOLIDATION_URL", "http://127.0.0.1:8082"), StrengthModel.from(env),
                    env.duration("MATERIALIZER_MAX_POLL_INTERVAL_MS", Duration.ofMinutes(5)), env.longValue("READY_MAX_LAG", -1),
                    ServiceToken.from(env), JwtAuthenticator.from(env),
                    env.longValue("MAX_REQUEST_BYTES", 1 << 20), env.longValue("MAX_SEARCH_REQUEST_BYTES", 64 * 1024),
                    TenantLimits.from(env), Encryption.from(env::optional), ReplaySettings.from(env),
                    env.integer("REBUILD_WORKERS", 2), env.integer("RETRIEVAL_CONCURRENCY", 8),
                    env.duration("RETRIEVAL_WAIT_MS", Duration.ofMillis(500)),
                    env.longValue("QUERY_EMBEDDING_CACHE_MB", 32) << 20);
        }

        /** Fusion, dialogue rules and shaping from HYBRID_*, NEIGHBOUR_WEIGHT and friends; the defaults are the measured ones. */
        public static HybridRetriever.Tuning tuning(Env env) {
            return new HybridRetriever.Tuning(
                    HybridRetriever.FusionWeights.of(env.decimal("HYBRID_VECTOR_WEIGHT", 0.5),
                            env.decimal("CONTEXT_VECTOR_SHARE", 0.5)),
                    new DialogueShaper(env.decimal("NEIGHBOUR_WEIGHT", 0.2), env.decimal("QUESTION_PENALTY", 0.3),
                            env.decimal("NAMED_SPEAKER_BOOST", 0.2)),
                    new ScoreShaper(env.decimal("RECENCY_WEIGHT", 0),
                            java.time.Duration.ofDays(env.integer("RECENCY_HALF_LIFE_DAYS", 30)),
                            env.decimal("IMPORTANCE_WEIGHT", 0.1), env.decimal("STRENGTH_WEIGHT", 0)),
                    null, 0);
        }

        /** Defaults for tests and the local stack. */
        public static Config local(String bootstrapServers, String schemaRegistryUrl, String openSearchUrl, String indexAlias,
                                   String consumerGroup, String embeddingModel, ApiKeys apiKeys, ServiceToken serviceToken,
                                   int port, Encryption encryption) {
            return new Config("127.0.0.1", port, OptionalInt.empty(), KafkaConnection.of(bootstrapServers),
                    RegistryConnection.of(schemaRegistryUrl, serviceToken.authorization()), OpenSearchConnection.of(openSearchUrl),
                    indexAlias, 1, 0, tuning(new Env(Map.of())), consumerGroup, embeddingModel, true, apiKeys, "cl100k_base",
                    RerankerChoice.none(), null, StrengthModel.defaults(), Duration.ofMinutes(5), -1, serviceToken,
                    null, 1 << 20, 64 * 1024, TenantLimits.none(), encryption, ReplaySettings.defaults(), 2, 8,
                    Duration.ofMillis(500), 32L << 20);
        }

        /** With a broker that needs no client settings (tests, the local stack). */
        public Config(String host, int port, String bootstrapServers, String schemaRegistryUrl, String openSearchUrl,
                      String indexAlias, int shards, int replicas, HybridRetriever.Tuning tuning, String consumerGroup,
                      String embeddingModel, boolean queryInstruction, ApiKeys apiKeys, String tokenizer,
                      RerankerChoice reranker, String consolidationUrl, StrengthModel strengthModel,
                      Duration materializerMaxPollInterval, long readyMaxLag, ServiceToken serviceToken,
                      String schemaRegistryAuthorization, JwtAuthenticator tokens, long maxRequestBytes,
                      long maxSearchRequestBytes, TenantLimits limits, Encryption encryption) {
            this(host, port, OptionalInt.empty(), KafkaConnection.of(bootstrapServers),
                    RegistryConnection.of(schemaRegistryUrl, schemaRegistryAuthorization), OpenSearchConnection.of(openSearchUrl),
                    indexAlias, shards, replicas, tuning, consumerGroup, embeddingModel, queryInstruction, apiKeys, tokenizer,
                    reranker, consolidationUrl, strengthModel, materializerMaxPollInterval, readyMaxLag, serviceToken,
                    tokens, maxRequestBytes, maxSearchRequestBytes, limits, encryption, ReplaySettings.defaults(), 2, 8,
                    Duration.ofMillis(500), 32L << 20);
        }

        /** These settings, with analyst replays starting from {@code newReplay}'s rules. */
        public Config withReplay(ReplaySettings newReplay) {
            return new Config(host, port, managementPort, kafka, registry, openSearch, indexAlias, shards, replicas, tuning,
                    consumerGroup, embeddingModel, queryInstruction, apiKeys, tokenizer, reranker, consolidationUrl,
                    strengthModel, materializerMaxPollInterval, readyMaxLag, serviceToken, tokens, maxRequestBytes,
                    maxSearchRequestBytes, limits, encryption, newReplay, rebuildWorkers, retrievalConcurrency, retrievalWait,
                    queryEmbeddingCacheBytes);
        }

        /** These settings, with rebuilds keeping {@code workers} bulk requests in flight. */
        public Config withRebuildWorkers(int workers) {
            return new Config(host, port, managementPort, kafka, registry, openSearch, indexAlias, shards, replicas, tuning,
                    consumerGroup, embeddingModel, queryInstruction, apiKeys, tokenizer, reranker, consolidationUrl,
                    strengthModel, materializerMaxPollInterval, readyMaxLag, serviceToken, tokens, maxRequestBytes,
                    maxSearchRequestBytes, limits, encryption, replay, workers, retrievalConcurrency, retrievalWait,
                    queryEmbeddingCacheBytes);
        }

        /**
         * These settings, with retrievals bounded as {@code concurrency} at once, each waiting at most {@code wait}, and
         * query vectors cached in {@code cacheBytes}.
         */
        public Config withRetrieval(int concurrency, Duration wait, long cacheBytes) {
            return new Config(host, port, managementPort, kafka, registry, openSearch, indexAlias, shards, replicas, tuning,
                    consumerGroup, embeddingModel, queryInstruction, apiKeys, tokenizer, reranker, consolidationUrl,
                    strengthModel, materializerMaxPollInterval, readyMaxLag, serviceToken, tokens, maxRequestBytes,
                    maxSearchRequestBytes, limits, encryption, replay, rebuildWorkers, concurrency, wait, cacheBytes);
        }

        public Config {
            if (rebuildWorkers < 1) {
                throw new IllegalArgumentException("REBUILD_WORKERS must be at least 1");
            }
            if (maxSearchRequestBytes > maxRequestBytes) {
                throw new IllegalArgumentException("MAX_SEARCH_REQUEST_BYTES cannot exceed MAX_REQUEST_BYTES, the ceiling of every request");
            }
        }
    }

    private final OpenSearchRest os;
    private final Materializer materializer;
    private final AccessRecorder access;
    private final Encryption.Opened sealing;
    private final ServiceServer http;
    private final MemoryIndex index;
    private volatile boolean started;

    public QueryService(Config config, EmbeddingProvider embeddings) {
        if (config.apiKeys().size() == 0) {
            throw new IllegalArgumentException("no API keys configured: set API_KEYS=key=tenant or API_KEYS_FILE");
        }
        this.os = new OpenSearchRest(config.openSearch());
        this.index = new MemoryIndex(os, config.indexAlias(), config.consumerGroup());
        index.ensure(embeddings.modelId(), embeddings.dimension(), config.shards(), config.replicas());
        var generations = index.generations();
        var metrics = Metrics.registry("query-service");
        long cacheBytes = config.queryEmbeddingCacheBytes();
        var embedders = new Embedders(QueryEmbeddingCache.of(embeddings, cacheBytes, metrics),
                id -> QueryEmbeddingCache.of(OnnxEmbeddingProvider.fromSetting(id, config.queryInstruction()), cacheBytes, metrics));
        var registry = config.registry().client();
        var lifecycle = new LifecycleIndexes(os, generations);
        var receipts = new ErasureReceipts(os, config.indexAlias());
        receipts.ensure(config.shards(), config.replicas());
        this.sealing = config.encryption().open(config.kafka(), registry, "query-service");
        this.materializer = new Materializer(generations, target -> new RecordIndexer(config.kafka(), target,
                sealing.format(), os, generations, receipts, metrics, config.materializerMaxPollInterval()), metrics);
        materializer.start();
        this.access = new AccessRecorder(config.kafka(), sealing.format(), metrics);
        var tuning = config.tuning().withReranker(config.reranker().create(embeddings), config.reranker().weight());
        var retriever = new HybridRetriever(os, index, embedders, tuning, lifecycle, config.strengthModel());
        var routes = new SearchRoutes(retriever,
                new ContextPacker(retriever, os, config.tokenizer()), access, lifecycle, metrics,
                config.maxSearchRequestBytes(), new RetrievalLimiter(config.retrievalConcurrency(), config.retrievalWait(), metrics));
        var workingMemory = new WorkingMemoryRoutes(config.consolidationUrl(), config.serviceToken());
        var feedback = new FeedbackRoutes(access);
        var history = new HistoryRoutes(lifecycle, config.strengthModel());
        var lineage = new LineageRoutes(lifecycle);
        var rebuild = new RebuildRoutes(request -> new GenerationRebuild(request, config.kafka(), sealing.format(), os,
                generations, embedders, config.shards(), config.replicas(), config.rebuildWorkers(), materializer::follow),
                QueryService::loadable);
        var replays = new ReplayRoutes(config.replay().platformRules(), (request, rules) -> new AnalystReplay(request,
                rules, config.kafka(), sealing.format(), embedders, os, index, lifecycle.asOf(), config.shards(),
                config.replay().stateDir()), config.replay().keep());
        var erasures = new ErasureReceiptRoutes(receipts);
        var memories = new MemoryListRoutes(os, index, lifecycle);
        var explorer = new ExplorerRoutes();
        Duration stuck = config.materializerMaxPollInterval().compareTo(Duration.ofMinutes(1)) > 0
                ? config.materializerMaxPollInterval() : Duration.ofMinutes(1);
        var health = new Health(
                Map.of("materializer", () -> materializer.indexer().alive(stuck) ? Health.Check.up("lag " + materializer.lag())
                        : Health.Check.down("the indexing loop stopped or has not come round in " + stuck.toSeconds() + " s")),
                Map.of("opensearch", () -> Health.Check.of(openSearchUp()),
                        "materializer", () -> materializerReady(config.readyMaxLag())),
                () -> started);
        // the service credential too, for operator actions across tenants (rebuilding the index); first, since it
        // answers only for itself, where an API key lookup refuses any bearer it does not know
        var authenticators = new java.util.ArrayList<dev.memlog.common.auth.Authenticator>(List.of(config.serviceToken()));
        authenticators.addAll(Credentials.clients(config.apiKeys(), config.tokens()));
        var admission = new Access(authenticators,
                new TenantRateLimits(config.limits().rates(), TimeMeter.SYSTEM_MILLISECONDS, metrics));
        this.http = ServiceServer.start("query-service", new ServiceServer.Listen(config.host(), config.port(),
                        config.managementPort()), config.maxRequestBytes(), metrics, health,
                admission, c -> {
            routes.register(c);
            workingMemory.register(c);
            feedback.register(c);
            history.register(c);
            lineage.register(c);
            rebuild.register(c);
            replays.register(c);
            erasures.register(c);
            memories.register(c);
            explorer.register(c);
            ApiDocs.register(c, "/openapi/query.yaml");
        });
        started = true;
        log.info("query-service started: index {}, model {}, reranker {}", config.indexAlias(), embeddings.modelId(),
                tuning.reranker() == null ? "none" : tuning.reranker().name());
    }

    /** Whether an embedding model id names one of the models this service runs offline. */
    static boolean loadable(String modelId) {
        try {
            OnnxEmbeddingProvider.Model.byId(modelId);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private Health.Check materializerReady(long maxLag) {
        long lag = materializer.lag();
        String failure = materializer.indexer().lastFailure();
        String detail = "lag " + lag + (failure == null ? "" : "; retrying: " + failure);
        if (!materializer.healthy()) {
            return Health.Check.down("not polling; " + detail);
        }
        return maxLag >= 0 && lag > maxLag ? Health.Check.down(detail + " (READY_MAX_LAG " + maxLag + ")") : Health.Check.up(detail);
    }

    private boolean openSearchUp() {
        return !"red".equals(os.call("GET", "/_cluster/health", null).path("status").asText("red"));
    }

    /** Every route this service answers, with the scopes each requires. */
    public java.util.List<ServiceServer.Route> routes() {
        return http.routes();
    }

    public int port() {
        return http.port();
    }

    public MemoryIndex index() {
        return index;
    }

    public long materializerLag() {
        return materializer.lag();
    }

    @Override
    public ServiceServer http() {
        return http;
    }

    @Override
    public void close() {
        http.close();
        access.close();
        materializer.close();
        sealing.close();
        os.close();
    }

    public static void main(String[] args) {
        var env = Env.system();
        Tracing.install(env, "query-service");
        var config = Config.from(env);
        var service = new QueryService(config, OnnxEmbeddingProvider.fromSetting(config.embeddingModel(), config.queryInstruction()));
        GracefulShutdown.install("query-service", service, GracefulShutdown.drain(env));
        log.info("query-service ready on port {}; configuration {}", service.port(), env.effective());
    }
}
