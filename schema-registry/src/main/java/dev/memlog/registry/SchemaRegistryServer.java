package dev.memlog.registry;

import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.common.config.Env;
import dev.memlog.common.http.Health;
import dev.memlog.common.tracing.Tracing;
import dev.memlog.common.http.Metrics;
import dev.memlog.common.http.GracefulShutdown;
import dev.memlog.common.http.ServiceServer;
import dev.memlog.schemas.KafkaConnection;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves the Confluent Schema Registry REST API for the local stack and tests; schemas live in Kafka. */
public final class SchemaRegistryServer implements GracefulShutdown.Stoppable {
    private static final Logger log = LoggerFactory.getLogger(SchemaRegistryServer.class);

    /**
     * KAFKA_BOOTSTRAP_SERVERS and the other KAFKA_* client settings, SCHEMA_REGISTRY_PORT, SCHEMA_REGISTRY_TOPIC,
     * SCHEMA_COMPATIBILITY, and SERVICE_TOKEN, the credential every request must carry.
     */
    public record Config(KafkaConnection kafka, String host, int port, OptionalInt managementPort, String topic,
                         Compatibility defaultLevel, ServiceToken serviceToken) {
        /** With a broker that needs no client settings (tests, the local stack). */
        public Config(String bootstrapServers, String host, int port, String topic, Compatibility defaultLevel,
                      ServiceToken serviceToken) {
            this(KafkaConnection.of(bootstrapServers), host, port, OptionalInt.empty(), topic, defaultLevel, serviceToken);
        }

        public static Config from(Env env) {
            var listen = ServiceServer.Listen.from(env, env.integer("SCHEMA_REGISTRY_PORT", 8081));
            return new Config(KafkaConnection.from(env.passthrough("KAFKA_")), listen.host(), listen.port(),
                    listen.managementPort(),
                    env.string("SCHEMA_REGISTRY_TOPIC", "_schemas"),
                    Compatibility.parse(env.string("SCHEMA_COMPATIBILITY", "BACKWARD")), ServiceToken.from(env));
        }
    }

    private final SchemaStore store;
    private final Admin admin;
    private final ServiceServer http;

    public SchemaRegistryServer(Config config) {
        this.store = new SchemaStore(config.kafka(), config.topic(), config.defaultLevel());
        this.admin = Admin.create(config.kafka().properties());
        var routes = new SchemaRegistryRoutes(store);
        // reads are served from memory; a new schema needs Kafka to take it
        this.http = ServiceServer.start("schema-registry", new ServiceServer.Listen(config.host(), config.port(),
                        config.managementPort()), 1 << 20,
                Metrics.registry("schema-registry"), Health.ready(Map.of("kafka", this::kafkaReachable)),
                new Access(List.of(config.serviceToken())), routes::register);
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

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public ServiceServer http() {
        return http;
    }

    @Override
    public void close() {
        http.close();
        admin.close(java.time.Duration.ofSeconds(5));
        store.close();
    }

    public static void main(String[] args) {
        var env = Env.system();
        Tracing.install(env, "schema-registry");
        var server = new SchemaRegistryServer(Config.from(env));
        GracefulShutdown.install("schema-registry", server, GracefulShutdown.drain(env));
        log.info("schema registry ready at {}; configuration {}", server.url(), env.effective());
    }
}
