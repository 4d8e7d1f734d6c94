package dev.memlog.consolidation;

import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.common.config.Env;
import dev.memlog.common.tracing.Tracing;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.MeteredEmbeddings;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.http.Health;
import dev.memlog.common.http.Metrics;
import dev.memlog.common.http.GracefulShutdown;
import dev.memlog.common.http.ServiceServer;
import dev.memlog.common.llm.LlmEndpoint;
import dev.memlog.schemas.KafkaConnection;
import dev.memlog.schemas.TopicSettings;
import dev.memlog.schemas.Derivation;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.registry.SchemaRegistry;
import dev.memlog.schemas.registry.RegistryConnection;
import dev.memlog.schemas.sealing.Encryption;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** consolidation-streams: re-derives memory from the event log, exactly once. */
public final class ConsolidationService implements GracefulShutdown.Stoppable {
    private static final Logger log = LoggerFactory.getLogger(ConsolidationService.class);

    /**
     * Settings, each from an environment variable with a default for a production cluster (the local stack and tests
     * lower the replication settings for their one broker).
     *
     * @param streamsReplication replication of the changelog and repartition topics Kafka Streams creates
     * @param standbyReplicas warm copies of each task's state on other instances, so a failover need not restore
     * @param transactionTimeout how long one exactly-once transaction may stay open; LLM calls are bounded well below
     * @param maxThreadReplacements stream threads replaced within ten minutes past which the instance reports itself dead
     * @param groupInstanceId static group membership (a StatefulSet pod name): a restart within the session timeout
     *                        gets its tasks back without a rebalance; null for dynamic membership
     * @param kafka the brokers and the client settings (KAFKA_*) every client of this service starts from
     * @param streamsOverrides any Kafka Streams or client setting, from KAFKA_STREAMS_* (KAFKA_STREAMS_SESSION_TIMEOUT_MS),
     *                         applied on top of {@code kafka}
     * @param serviceToken the only credential working memory answers (query-service's, and other instances')
     * @param derivation DERIVATION: the topics this consolidation writes, its own when it runs beside another with a new
     *                   model or changed rules (docs/time-travel.md#re-deriving-memory)
     * @param streamThreads STREAMS_THREADS: stream threads, one per core by default: embedding is most of the work, and
     *                      one caller of the model barely uses a second core
     * @param readyMaxLag READY_MAX_LAG: input records not yet consolidated past which readiness is DOWN; -1 (the
     *                    default) for never, since a backlog is what Kafka is there to absorb
     */
    public record Config(Derivation derivation, String applicationId, KafkaConnection kafka, RegistryConnection registry, Path stateDir,
                         String host, int port, OptionalInt managementPort, String embeddingModel, TopicSettings topics, int streamsReplication,
                         int standbyReplicas, ConsolidationRules rules, String advertisedServer, Duration transactionTimeout,
                         int maxThreadReplacements, String groupInstanceId, Map<String, String> streamsOverrides,
                         ServiceToken serviceToken, Encryption encryption, int streamThreads, long readyMaxLag) {
        public Config {
            if (streamThreads < 1) {
                throw new IllegalArgumentException("STREAMS_THREADS must be at least 1");
            }
        }

        public static Config from(Env env) {
            var topics = TopicSettings.from(env::optional);
            var rules = ConsolidationRules.from(env, Clock.systemUTC());
            var listen = ServiceServer.Listen.from(env, env.integer("CONSOLIDATION_PORT", 8082));
            var derivation = Derivation.of(env.optional("DERIVATION"));
            return new Config(derivation, env.string("STREAMS_APPLICATION_ID", derivation.consolidationApplicationId()),
                    KafkaConnection.from(env.passthrough("KAFKA_")),
                    RegistryConnection.from(env::optional, ServiceToken.from(env).registryAuthorization(env)),
                    Path.of(env.string("STREAMS_STATE_DIR", System.getProperty("java.io.tmpdir") + "/memlog-streams")),
                    listen.host(), listen.port(), listen.managementPort(),
                    env.string("EMBEDDING_MODEL", "bge-small-en-v1.5-q"), topics,
                    env.integer("STREAMS_REPLICATION_FACTOR", topics.replicationFactor()),
                    env.integer("STREAMS_STANDBY_REPLICAS", 1), rules, env.optional("CONSOLIDATION_ADVERTISED_SERVER"),
                    env.duration("STREAMS_TRANSACTION_TIMEOUT_MS", defaultTransactionTimeout(rules.callsLlm())),
                    env.integer("MAX_STREAM_THREAD_REPLACEMENTS", 5), env.optional("STREAMS_GROUP_INSTANCE_ID"),
                    env.passthrough("KAFKA_STREAMS_"), ServiceToken.from(env), Encryption.from(env::optional),
                    env.integer("STREAMS_THREADS", Runtime.getRuntime().availableProcessors()), env.longValue("READY_MAX_LAG", -1));
        }

        /** IMPORTANCE_SCORER: signals (offline, the default) or llm (the LLM_* endpoint, signals when it fails). */
        static ImportanceScorer importance(Env env) {
            var signals = new SignalImportanceScorer();
            return switch (env.string("IMPORTANCE_SCORER", "signals").toLowerCase(Locale.ROOT)) {
                case "signals" -> signals;
                case "llm" -> {
                    var llm = llm(env);
                    if (llm == null) {
                        throw new IllegalArgumentException("IMPORTANCE_SCORER=llm needs LLM_BASE_URL (and LLM_MODEL, LLM_API_KEY)");
                    }
                    yield new LlmImportanceScorer(llm.client(), signals);
                }
                default -> throw new IllegalArgumentException("IMPORTANCE_SCORER must be signals or llm");
            };
        }
    }

    /**
     * The LLM endpoint, if any, with calls bounded for a Kafka transaction: 2 s by default, at most 5 s, no retry, and
     * a circuit breaker that turns a failing or slow endpoint into the offline fallback at once. With at most three
     * calls per event (facts, importance, and a summary when a session closes), a task cannot keep a transaction open
     * near its timeout.
     */
    static LlmEndpoint llm(Env env) {
        return LlmEndpoint.from(env, Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    /**
     * How long one exactly-once transaction may stay open. It is also how long the open transaction of an instance that
     * died blocks every read-committed reader of its output, so short is better: Kafka Streams' 10 s, unless an LLM is
     * called inside transactions, where a record may take a few calls of up to LLM_TIMEOUT_MS per task of a thread.
     */
    static Duration defaultTransactionTimeout(boolean llmInTransactions) {
        return llmInTransactions ? Duration.ofSeconds(60) : Duration.ofSeconds(10);
    }

    /** SESSION_STATE_TTL_DAYS: how long per-session state outlives a session's last turn, in platform time. */
    static Duration sessionStateTtl(Env env) {
        return Duration.ofDays(env.integer("SESSION_STATE_TTL_DAYS", 30));
    }

    private final KafkaStreams streams;
    private final Encryption.Opened sealing;
    private final ServiceServer http;
    private final KafkaStreamsMetrics streamsMetrics;
    private final StreamsHealth health;
    private final boolean staticMember;

    public ConsolidationService(Config config, EmbeddingProvider embeddings) throws Exception {
        try (Admin admin = Admin.create(config.kafka().properties())) {
            Topics.ensureCreated(admin, config.topics(), config.derivation());
        }
        var registry = config.registry().client();
        this.sealing = config.encryption().open(config.kafka(), registry, config.applicationId());
        PrometheusMeterRegistry metrics = Metrics.registry("consolidation-streams");
        var metered = new MeteredEmbeddings(embeddings, metrics);
        var topology = topology(sealing.format(), config.rules().parts(metered, Clock.systemUTC()), config.derivation());
        this.streams = new KafkaStreams(topology, streamsConfig(config, metrics));
        this.streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(metrics);
        this.health = new StreamsHealth(streams, config.maxThreadReplacements(), Duration.ofMinutes(10), config.readyMaxLag());
        Gauge.builder("memlog_consolidation_lag_records", health, StreamsHealth::lag)
                .description("records of the input topics this instance has yet to consolidate").register(metrics);
        this.staticMember = config.groupInstanceId() != null;
        Counter replaced = Counter.builder("memlog_stream_threads_replaced")
                .description("stream threads that died of an error and were replaced").register(metrics);
        streams.setStateListener(health::transition);
        streams.setUncaughtExceptionHandler(e -> {
            log.error("stream thread failed; replacing it", e);
            replaced.increment();
            health.threadReplaced();
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        var workingMemory = new WorkingMemoryQueries(streams,
                config.advertisedServer() == null ? null : HostInfo.buildFromEndpoint(config.advertisedServer()),
                config.serviceToken());
        this.http = ServiceServer.start("consolidation-streams", new ServiceServer.Listen(config.host(), config.port(),
                        config.managementPort()), 1 << 16, metrics,
                new Health(Map.of("streams", health::liveness), Map.of("streams", health::readiness), health::started),
                new Access(List.of(config.serviceToken())), workingMemory::register);
        log.info("consolidation-streams started: application.id={}, {} into {}, model={}, {}", config.applicationId(),
                config.derivation(), config.derivation().records().name(), embeddings.modelId(), config.rules());
    }

    /**
     * What a consolidation derives: every turn always; the rest when given (facts, session summaries, working memory,
     * and the lifecycle of decay, reinforcement and forgetting).
     *
     * @param sessionStateTtl how long per-session state outlives the session's last turn
     * @param maxEventContentChars an event longer than this is a dead letter
     */
    public record Parts(EpisodeRecorder episodes, boolean embedPreviousTurn, Duration sessionStateTtl, int maxEventContentChars,
                        ProcessorSupplier<String, MemoryRecord, String, MemoryRecord> facts,
                        ProcessorSupplier<String, MemoryRecord, String, MemoryRecord> summaries,
                        ProcessorSupplier<String, MemoryRecord, Void, Void> workingMemory, Lifecycle lifecycle) {

        public static Parts turns(EpisodeRecorder episodes, boolean embedPreviousTurn) {
            return new Parts(episodes, embedPreviousTurn, Duration.ofDays(30), 65_536, null, null, null, null);
        }

        public Parts withLimits(Duration newSessionStateTtl, int newMaxEventContentChars) {
            return new Parts(episodes, embedPreviousTurn, newSessionStateTtl, newMaxEventContentChars, facts, summaries,
                    workingMemory, lifecycle);
        }

        public Parts withFacts(ProcessorSupplier<String, MemoryRecord, String, MemoryRecord> newFacts) {
            return new Parts(episodes, embedPreviousTurn, sessionStateTtl, maxEventContentChars, newFacts, summaries,
                    workingMemory, lifecycle);
        }

        public Parts withSummaries(ProcessorSupplier<String, MemoryRecord, String, MemoryRecord> newSummaries) {
            return new Parts(episodes, embedPreviousTurn, sessionStateTtl, maxEventContentChars, facts, newSummaries,
                    workingMemory, lifecycle);
        }

        public Parts withWorkingMemory(ProcessorSupplier<String, MemoryRecord, Void, Void> newWorkingMemory) {
            return new Parts(episodes, embedPreviousTurn, sessionStateTtl, maxEventContentChars, facts, summaries,
                    newWorkingMemory, lifecycle);
        }

        public Parts withLifecycle(Lifecycle newLifecycle) {
            return new Parts(episodes, embedPreviousTurn, sessionStateTtl, maxEventContentChars, facts, summaries,
                    workingMemory, newLifecycle);
        }
    }

    /**
     * The whole consolidation, top to bottom: every turn becomes an embedded episode record; explicit memories, and
     * the facts found in turns when asked, are reconciled with what the owner already has; each session's turns are
     * buffered and summarized once the session goes quiet, and its latest turns kept as working memory; with a
     * lifecycle, every derived record passes the decay scheduler on its way out (versions, forgetting), the
     * access log reinforces what retrieval returned, and deletions take the memories they name out for good (without
     * a lifecycle, nothing holds memories to delete and deletions are passed over). Every record carries the platform time of the input it came from.
     */
    public static Topology topology(AvroFormat format, Parts parts) {
        return topology(format, parts, Derivation.FIRST);
    }

    /** The same consolidation, writing the topics of {@code derivation}. */
    public static Topology topology(AvroFormat format, Parts parts, Derivation derivation) {
        var events = Topics.MEMORY_EVENTS;
        var records = derivation.records();
        var builder = new StreamsBuilder();
        TurnContext.stores(format).forEach(builder::addStateStore);
        // an event sealed with a key erasure destroyed reads as null: it is gone, for this run and every replay
        KStream<String, MemoryEvent> appended = builder
                .stream(events.name(), Consumed.with(events.keySerde(), events.valueSerde(format)))
                .filter((owner, e) -> e != null)
                .processValues(TracedConsolidation::new);
        // a deletion or an erasure derives nothing: it goes straight to the lifecycle, which holds the memories it names
        KStream<String, MemoryEvent> deletions = appended.filter((owner, e) -> e.getKind() == EventKind.DELETION
                || e.getKind() == EventKind.ERASURE);
        KStream<String, MemoryRecord> turns = appended.filterNot((owner, e) -> e.getKind() == EventKind.DELETION
                || e.getKind() == EventKind.ERASURE)
                .processValues(() -> new TurnContext(parts.episodes(), parts.embedPreviousTurn(), parts.sessionStateTtl(),
                        parts.maxEventContentChars()), TurnContext.STORES);
        List<KStream<String, MemoryRecord>> derived = new ArrayList<>();
        if (parts.facts() == null) {
            derived.add(turns);
        } else {
            derived.add(turns.filter((owner, r) -> r.getTier() == MemoryTier.EPISODIC));
            builder.addStateStore(FactReconciler.factStore(format));
            builder.addStateStore(FactReconciler.keyStore());
            derived.add(turns.process(parts.facts(), FactReconciler.FACTS, FactReconciler.KEYS));
        }
        if (parts.summaries() != null) {
            SessionSummarizer.stores(format).forEach(builder::addStateStore);
            derived.add(turns.process(parts.summaries(), SessionSummarizer.STORES));
        }
        if (parts.workingMemory() != null) {
            WorkingMemory.stores(format).forEach(builder::addStateStore);
            turns.process(parts.workingMemory(), WorkingMemory.STORES);
        }
        KStream<String, MemoryRecord> all = derived.stream().reduce(KStream::merge).orElseThrow();
        // every store keyed by owner is now in the topology: an erasure empties the owner's entries from each
        List<String> ownerStores = new ArrayList<>(List.of(TurnContext.STORE));
        if (parts.facts() != null) {
            ownerStores.addAll(List.of(FactReconciler.FACTS, FactReconciler.KEYS));
        }
        if (parts.summaries() != null) {
            ownerStores.addAll(List.of(SessionSummarizer.STORE, SessionSummarizer.CLOCKS));
        }
        if (parts.workingMemory() != null) {
            ownerStores.add(WorkingMemory.STORE);
        }
        deletions = deletions.processValues(() -> new OwnerStateEraser(ownerStores), ownerStores.toArray(String[]::new));
        var toRecords = Produced.with(records.keySerde(), records.valueSerde(format));
        if (parts.lifecycle() == null) {
            // no lifecycle state to drop, but the materializer still deletes what an erased owner has
            all.merge(deletions.filter((owner, e) -> e.getKind() == EventKind.ERASURE).mapValues(Eraser::marker))
                    .processValues(LogPositions::new).to(records.name(), toRecords);
            return builder.build();
        }
        var strength = derivation.strength();
        var toStrength = Produced.with(strength.keySerde(), strength.valueSerde(format));
        Lifecycle.stores(format).forEach(builder::addStateStore);
        var access = Topics.MEMORY_ACCESS;
        KStream<String, SpecificRecord> accesses = builder
                .stream(access.name(), Consumed.with(access.keySerde(), access.valueSerde(format)))
                .filter((owner, a) -> a != null)
                .mapValues(a -> (SpecificRecord) a);
        KStream<String, SpecificRecord> aged = all.mapValues(r -> (SpecificRecord) r).merge(accesses)
                .merge(deletions.mapValues(d -> (SpecificRecord) d))
                .process(parts.lifecycle()::decayScheduler, Lifecycle.STORES);
        aged.filter((owner, v) -> v instanceof MemoryRecord).mapValues(v -> (MemoryRecord) v)
                .processValues(LogPositions::new).to(records.name(), toRecords);
        aged.filter((owner, v) -> v instanceof MemoryStrength).mapValues(v -> (MemoryStrength) v).to(strength.name(), toStrength);
        return builder.build();
    }

    static Properties streamsConfig(Config config, PrometheusMeterRegistry metrics) {
        // KAFKA_* settings first (security reaches the Streams app's every consumer, producer and admin), then ours
        Properties props = config.kafka().properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.streamsReplication());
        props.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG),
                Integer.toString(Math.min(config.topics().minInsyncReplicas(), config.streamsReplication())));
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
        if (config.advertisedServer() != null) {
            // where other instances forward working-memory reads for the partitions this one owns
            props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.advertisedServer());
        }
        if (config.groupInstanceId() != null) {
            props.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), config.groupInstanceId());
        }
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        // a stream thread with nothing new to fetch waits this long in each poll between rounds of processing: at
        // Kafka's 100 ms, half its time while a backlog is worked through (measured: 0.41 of the model's throughput
        // against 0.52 at 10 ms, bench/results/load-latest.md); 10 ms costs an idle thread about 1% of a core
        props.put(StreamsConfig.POLL_MS_CONFIG, 10L);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), (int) config.transactionTimeout().toMillis());
        // a record that cannot be read, processed or written goes to the dead-letter topic; the partition goes on
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.CONSOLIDATION_DEAD_LETTERS.name());
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(DeadLetterHandler.METRICS_CONFIG, metrics);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 200);
        // KAFKA_STREAMS_* settings last: an operator's word on any Kafka Streams or client setting
        props.putAll(config.streamsOverrides());
        return props;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Every route this service answers, with the scopes each requires. */
    public java.util.List<ServiceServer.Route> routes() {
        return http.routes();
    }

    public int port() {
        return http.port();
    }

    @Override
    public ServiceServer http() {
        return http;
    }

    @Override
    public void close() {
        health.closing();
        // leave the group, so the others take the partitions at once instead of after the session timeout; a static
        // member stays, because it is being restarted and will take its own tasks back without a rebalance
        streams.close(CloseOptions.timeout(Duration.ofSeconds(30)).withGroupMembershipOperation(staticMember
                ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP : CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        http.close();
        streamsMetrics.close();
        sealing.close();
    }

    public static void main(String[] args) throws Exception {
        var env = Env.system();
        Tracing.install(env, "consolidation-streams");
        var config = Config.from(env);
        var service = new ConsolidationService(config, OnnxEmbeddingProvider.fromSetting(config.embeddingModel()));
        GracefulShutdown.install("consolidation-streams", service, GracefulShutdown.drain(env));
        log.info("consolidation-streams started; configuration {}", env.effective());
    }
}
