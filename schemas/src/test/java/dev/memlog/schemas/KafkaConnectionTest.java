package dev.memlog.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.types.Password;
import org.junit.jupiter.api.Test;

/**
 * What KAFKA_* gives every Kafka client: real client settings only, passed as written, never printed. The input is
 * what {@code Env.passthrough("KAFKA_")} makes of the variables (KAFKA_SASL_JAAS_CONFIG is sasl.jaas.config);
 * StreamsSettingsTest takes the same path from the variables themselves.
 */
class KafkaConnectionTest {
    static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"svc\""
            + " password=\"p$w0rd\\\\${HOME}\\n\";";

    @Test
    void theBrokersAndEveryClientSettingAreTaken() {
        var kafka = KafkaConnection.from(Map.of(
                "bootstrap.servers", "b1.example:9093,b2.example:9093",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", JAAS,
                "ssl.truststore.location", "/etc/kafka/truststore.p12",
                "max.poll.records", "50",
                "linger.ms", "5"));

        assertThat(kafka.bootstrapServers()).isEqualTo("b1.example:9093,b2.example:9093");
        assertThat(kafka.clientSettings()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", JAAS,
                "ssl.truststore.location", "/etc/kafka/truststore.p12", "max.poll.records", "50", "linger.ms", "5"));
        assertThat(kafka.properties()).containsEntry("bootstrap.servers", "b1.example:9093,b2.example:9093")
                .containsEntry("security.protocol", "SASL_SSL").hasSize(7);
    }

    @Test
    void withoutVariablesTheLocalBrokerAndTheClientsDefaults() {
        var kafka = KafkaConnection.from(Map.of("security.protocol", " ", "bootstrap.servers", ""));
        assertThat(kafka).isEqualTo(KafkaConnection.of("127.0.0.1:9092"));
        assertThat(kafka.properties()).containsOnly(Map.entry("bootstrap.servers", "127.0.0.1:9092"));
    }

    @Test
    void variablesThatAreNotClientSettingsNeverReachAClient() {
        Map<String, String> passedThrough = new HashMap<>();
        // the local stack's and the broker images' own: KAFKA_PORT, KAFKA_HEAP_OPTS, KAFKA_OPTS, KAFKA_JMX_PORT
        passedThrough.put("port", "9092");
        passedThrough.put("heap.opts", "-Xmx1g");
        passedThrough.put("opts", "-Djava.security.auth.login.config=/etc/jaas.conf");
        passedThrough.put("jmx.port", "9999");
        // what Kubernetes sets for a Service named kafka: KAFKA_SERVICE_HOST, KAFKA_PORT_9092_TCP_ADDR
        passedThrough.put("service.host", "10.0.0.7");
        passedThrough.put("port.9092.tcp.addr", "10.0.0.7");
        // consolidation's own Streams passthrough: KAFKA_STREAMS_SESSION_TIMEOUT_MS, KAFKA_STREAMS_SECURITY_PROTOCOL
        passedThrough.put("streams.session.timeout.ms", "8000");
        passedThrough.put("streams.security.protocol", "SSL");
        // settings that name one client, which each service sets itself
        passedThrough.put("client.id", "everyone");
        passedThrough.put("group.id", "everyone");
        passedThrough.put("group.instance.id", "everyone");
        passedThrough.put("transactional.id", "everyone");
        // a Streams setting is not a client setting, and internal switches are not for operators
        passedThrough.put("application.id", "other-app");
        passedThrough.put("internal.throw.on.fetch.stable.offset.unsupported", "true");
        var kafka = KafkaConnection.from(passedThrough);

        assertThat(kafka.clientSettings()).isEmpty();
        assertThat(kafka.properties()).containsOnlyKeys("bootstrap.servers");
    }

    @Test
    void toStringNamesTheSettingsButNeverTheirValues() {
        var kafka = KafkaConnection.from(Map.of("sasl.jaas.config", JAAS, "ssl.truststore.password", "trust-me-123",
                "security.protocol", "SASL_SSL"));

        assertThat(kafka.toString()).contains("127.0.0.1:9092", "sasl.jaas.config", "ssl.truststore.password",
                "security.protocol").doesNotContain("p$w0rd", "svc", "trust-me-123", "ScramLoginModule", "SASL_SSL");
    }

    @Test
    void hostileValuesArePassedVerbatimAndKafkaTreatsSecretsAsPasswords() {
        String truststorePassword = "a\nb$c\\d\"e ${env:X}";
        var kafka = KafkaConnection.from(Map.of("sasl.jaas.config", JAAS, "ssl.truststore.password", truststorePassword,
                "security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512"));

        assertThat(kafka.clientSettings()).containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("ssl.truststore.password", truststorePassword);
        // what a client is started with: the same characters, which its own printed configuration hides
        var parsed = new AdminClientConfig(kafka.properties());
        assertThat(parsed.getPassword("sasl.jaas.config").value()).isEqualTo(JAAS);
        assertThat(parsed.getPassword("ssl.truststore.password").value()).isEqualTo(truststorePassword);
        assertThat(parsed.getPassword("sasl.jaas.config").toString()).isEqualTo(Password.HIDDEN);
        assertThat(kafka.toString()).doesNotContain("\n", "$", "\\");
    }

    @Test
    void eachClientGetsItsOwnPropertiesAndOnlyRealSettingsAreAccepted() {
        var kafka = new KafkaConnection("broker:9093", Map.of("security.protocol", "SSL"));
        kafka.properties().put("client.id", "one");
        assertThat(kafka.properties()).doesNotContainKey("client.id");
        assertThat(kafka.withBootstrapServers("other:9093").clientSettings()).isEqualTo(kafka.clientSettings());

        assertThatThrownBy(() -> new KafkaConnection("broker:9093", Map.of("heap.opts", "-Xmx1g")))
                .hasMessageContaining("heap.opts");
        assertThatThrownBy(() -> new KafkaConnection("broker:9093", Map.of("bootstrap.servers", "x:1")))
                .hasMessageContaining("bootstrap.servers");
        assertThatThrownBy(() -> KafkaConnection.of(" ")).hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS");
    }
}
