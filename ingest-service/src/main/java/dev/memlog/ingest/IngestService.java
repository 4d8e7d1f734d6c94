package dev.memlog.ingest;

import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.auth.Credentials;
import dev.memlog.common.auth.JwtAuthenticator;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.common.config.Env;
import dev.memlog.common.limits.TenantLimits;
import dev.memlog.common.limits.TenantQuota;
import dev.memlog.common.limits.TenantRateLimits;
import io.github.bucket4j.TimeMeter;
import dev.memlog.common.http.ApiDocs;
import dev.memlog.common.http.Metrics;
import dev.memlog.common.http.GracefulShutdown;
import dev.memlog.common.http.Health;
import dev.memlog.common.http.ServiceServer;
import dev.memlog.common.tracing.Tracing;
import dev.memlog.schemas.KafkaConnection;
import dev.memlog.schemas.TopicSettings;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.registry.RegistryConnection;
import dev.memlog.schemas.sealing.Encryption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** ingest-service: the HTTP front door of the log of record. */
public final class IngestService implements GracefulShutdown.Stoppable {
    private static final Logger log = LoggerFactory.getLogger(IngestService.class);

    /** Settings, each from an environment variable with a default that works on the local stack. */
    public record Config(String host, int port, OptionalInt managementPort, KafkaConnection kafka, RegistryConnection registry,
                         ApiKeys apiKeys, JwtAuthenticator tokens,
                         long maxRequestBytes, int maxBatchTurns, int maxContentChars, Duration maxFutureSkew,
                         Duration appendTimeout, TopicSettings topics, long maxEventRequestBytes, TenantLimits limits,
                         Encryption encryption) {
        public static Config from(Env env) {
            var listen = ServiceServer.Listen.from(env, env.integer("INGEST_PORT", 8080));
            return new Config(listen.host(), listen.port(), listen.managementPort(),
                    KafkaConnection.from(env.passthrough("KAFKA_")),
                    RegistryConnection.from(env::optional, ServiceToken.from(env).registryAuthorization(env)),
                    Credentials.apiKeys(env), JwtAuthenticator.from(env),
                    env.longValue("MAX_REQUEST_BYTES", 1 << 20), env.integer("MAX_BATCH_TURNS", 1000),
                    env.integer("MAX_CONTENT_CHARS", 32_768), Duration.ofSeconds(env.integer("MAX_FUTURE_SKEW_SECONDS", 300)),
                    Duration.ofMillis(env.integer("APPEND_TIMEOUT_MS", 20_000)), TopicSettings.from(env::optional),
                    env.longValue("MAX_EVENT_REQUEST_BYTES", 256 * 1024), TenantLimits.from(env),
                    Encryption.from(env::optional));
        }

        /** With a broker that needs no client settings (tests, the local stack). */
        public Config(String host, int port, String bootstrapServers, String schemaRegistryUrl,
                      String schemaRegistryAuthorization, ApiKeys apiKeys, JwtAuthenticator tokens,
                      long maxRequestBytes, int maxBatchTurns, int maxContentChars, Duration maxFutureSkew,
                      Duration appendTimeout, TopicSettings topics, long maxEventRequestBytes, TenantLimits limits,
                      Encryption encryption) {
            this(host, port, OptionalInt.empty(), KafkaConnection.of(bootstrapServers),
                    RegistryConnection.of(schemaRegistryUrl, schemaRegistryAuthorization), apiKeys,
                    tokens, maxRequestBytes, maxBatchTurns, maxContentChars, maxFutureSkew, appendTimeout, topics,
                    maxEventRequestBytes, limits, encryption);
        }

        public Config {
            if (maxFutureSkew.isNegative() || maxFutureSkew.compareTo(Duration.ofMinutes(50)) > 0) {
                throw new IllegalArgumentException("MAX_FUTURE_SKEW_SECONDS must be from 0 to 3000: Kafka refuses record"
                        + " times more than an hour ahead of the broker's clock");
            }
            if (maxEventRequestBytes > maxRequestBytes) {
                throw new IllegalArgumentException("MAX_EVENT_REQUEST_BYTES cannot exceed MAX_REQUEST_BYTES, the ceiling of every request");
            }
            if (appendTimeout.compareTo(Duration.ofSeconds(2)) < 0) {
                throw new IllegalArgumentException("APPEND_TIMEOUT_MS must be at least 2000");
            }
        }
    }

    private final Admin admin;
    private final EventAppender appender;
    private final AuditLog audit;
    private final Encryption.Opened sealing;
    private final ServiceServer http;

    public IngestService(Config config) throws Exception {
        if (config.apiKeys().size() == 0) {
            throw new IllegalArgumentException("no API keys configured: set API_KEYS=key=tenant or API_KEYS_FILE");
        }
        this.admin = Admin.create(config.kafka().properties());
        Topics.ensureCreated(admin, config.topics());
        var registry = config.registry().client();
        this.sealing = config.encryption().open(config.kafka(), registry, "ingest-service");
        this.appender = new EventAppender(config.kafka(), sealing.format(), config.appendTimeout(), 8);
        var metrics = Metrics.registry("ingest-service");
        this.audit = new AuditLog(config.kafka(), sealing.format(), config.appendTimeout());
        var requests = new EventRequests(config.maxContentChars(), config.maxFutureSkew());
        var deletions = new DeletionRoutes(requests, appender, audit, metrics);
        var erasures = new ErasureRoutes(requests, appender, audit, sealing.keys(), metrics);
        var routes = new AppendRoutes(requests,
                appender, config.maxBatchTurns(), config.maxEventRequestBytes(),
                new TenantQuota(config.limits().eventsPerDay(), TimeMeter.SYSTEM_MILLISECONDS, metrics), metrics);
        var access = new Access(Credentials.clients(config.apiKeys(), config.tokens()),
                new TenantRateLimits(config.limits().rates(), TimeMeter.SYSTEM_MILLISECONDS, metrics));
        this.http = ServiceServer.start("ingest-service", new ServiceServer.Listen(config.host(), config.port(),
                        config.managementPort()), config.maxRequestBytes(), metrics,
                Health.ready(Map.of("kafka", this::kafkaReachable)), access, c -> {
                    routes.register(c);
                    deletions.register(c);
                    erasures.register(c);
                    ApiDocs.register(c, "/openapi/ingest.yaml");
                });
    }

    private boolean kafkaReachable() {
        try {
            return !admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000)).nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
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
        http.close();
        appender.close();
        audit.close();
        sealing.close();
        admin.close(Duration.ofSeconds(5));
    }

    public static void main(String[] args) throws Exception {
        var env = Env.system();
        Tracing.install(env, "ingest-service");
        var service = new IngestService(Config.from(env));
        GracefulShutdown.install("ingest-service", service, GracefulShutdown.drain(env));
        log.info("ingest-service ready on port {}; configuration {}", service.port(), env.effective());
    }
}
