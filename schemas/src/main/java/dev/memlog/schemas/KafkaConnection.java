package dev.memlog.schemas;

import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/** The brokers and the client settings (security, timeouts) every Kafka client of a process starts from. */
public record KafkaConnection(String bootstrapServers, Map<String, String> clientSettings) {

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "127.0.0.1:9092";

    /**
     * The settings KAFKA_* may give: every producer, consumer or admin setting, except the ones that name one client
     * rather than the connection (each service sets its own ids, and a transactional id on every producer would break
     * the ones that write outside transactions), and internal.* switches that are not for operators.
     */
    static final SortedSet<String> SETTINGS;

    static {
        var names = new TreeSet<String>();
        names.addAll(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        names.removeAll(Set.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, CommonClientConfigs.CLIENT_ID_CONFIG,
                CommonClientConfigs.GROUP_ID_CONFIG, CommonClientConfigs.GROUP_INSTANCE_ID_CONFIG,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG));
        names.removeIf(name -> name.startsWith("internal."));
        SETTINGS = Collections.unmodifiableSortedSet(names);
    }

    public KafkaConnection {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("KAFKA_BOOTSTRAP_SERVERS must not be empty");
        }
        var unknown = new TreeSet<>(clientSettings.keySet());
        unknown.removeAll(SETTINGS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("not Kafka connection settings: " + unknown);
        }
        clientSettings = Collections.unmodifiableMap(new TreeMap<>(clientSettings));
    }

    /** These brokers, with the clients' defaults for everything else (a local or test broker). */
    public static KafkaConnection of(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, Map.of());
    }

    /**
     * From the KAFKA_* variables as {@code Env.passthrough("KAFKA_")} names them ({@code KAFKA_SASL_JAAS_CONFIG} is
     * {@code sasl.jaas.config}): the brokers of KAFKA_BOOTSTRAP_SERVERS (127.0.0.1:9092 without it) and every client
     * setting. The rest (KAFKA_PORT, KAFKA_HEAP_OPTS, Kubernetes' service variables, consolidation's own
     * KAFKA_STREAMS_*) never reaches a client. Values are kept as they are.
     */
    public static KafkaConnection from(Map<String, String> kafkaVariables) {
        Map<String, String> settings = new TreeMap<>();
        kafkaVariables.forEach((name, value) -> {
            if (SETTINGS.contains(name) && value != null && !value.isBlank()) {
                settings.put(name, value);
            }
        });
        String bootstrap = kafkaVariables.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        return new KafkaConnection(bootstrap == null || bootstrap.isBlank() ? DEFAULT_BOOTSTRAP_SERVERS : bootstrap, settings);
    }

    /** The same settings with other brokers (a command-line option that names them). */
    public KafkaConnection withBootstrapServers(String servers) {
        return new KafkaConnection(servers, clientSettings);
    }

    /** A new, mutable set of properties to start any client from; the client's own settings go on top. Never log it. */
    public Properties properties() {
        Properties props = new Properties();
        props.putAll(clientSettings);
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /** The brokers and the names of the settings only: a value may be a password (sasl.jaas.config). */
    @Override
    public String toString() {
        return "KafkaConnection[bootstrapServers=" + bootstrapServers + ", clientSettings=" + clientSettings.keySet() + "]";
    }
}
