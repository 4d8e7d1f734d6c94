package dev.memlog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.DeadLetterTopic;
import dev.memlog.schemas.TopicSettings;
import dev.memlog.schemas.Topics;
import dev.memlog.testkit.KafkaBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** An operator lists dead letters with their reasons and replays them to their source topic, on a real broker. */
class DeadLetterCommandsIT {
    @TempDir
    static Path dir;
    static KafkaBroker kafka;

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start(dir.resolve("kafka"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Topics.ensureCreated(admin, TopicSettings.singleBroker(1));
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (var producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(Topics.CONSOLIDATION_DEAD_LETTERS.letter(Topics.MEMORY_EVENTS.name(), 0, 17, 1_700_000_000_000L,
                    bytes("acme\u001fu:ann"), bytes("not avro"), null, "deserialization",
                    new IllegalArgumentException("not Confluent wire format"))).get();
        }
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<JsonNode> run(String... args) throws Exception {
        var out = new StringWriter();
        var cli = new CommandLine(new MemlogCli());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        String[] withKafka = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.of("--bootstrap-servers", kafka.bootstrapServers())).toArray(String[]::new);
        assertThat(cli.execute(withKafka)).isZero();
        return out.toString().lines().map(l -> {
            try {
                return Json.mapper().readTree(l);
            } catch (Exception e) {
                throw new IllegalStateException(l, e);
            }
        }).toList();
    }

    @Test
    void aDeadLetterIsListedWithWhereItCameFromAndWhyAndReplayedToItsSource() throws Exception {
        var listed = run("dlq", "list");
        assertThat(listed).singleElement().satisfies(l -> {
            assertThat(l.path("source").asText()).isEqualTo("memory.events/0@17");
            assertThat(l.path("stage").asText()).isEqualTo("deserialization");
            assertThat(l.path("reason").asText()).contains("not Confluent wire format");
        });

        var replayed = run("dlq", "replay", "--topic", Topics.CONSOLIDATION_DEAD_LETTERS.name());
        assertThat(replayed).singleElement().satisfies(l -> assertThat(l.path("replayed_to").asText()).isEqualTo("memory.events"));
        var events = DeadLetterCommands.read(kafka.bootstrapServers(), Topics.MEMORY_EVENTS.name(), null, 0, 10);
        assertThat(events).singleElement().satisfies(r -> {
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("not avro");
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("acme\u001fu:ann");
            assertThat(DeadLetterTopic.header(r.headers(), DeadLetterTopic.REPLAYED_FROM))
                    .isEqualTo(Topics.CONSOLIDATION_DEAD_LETTERS.name() + "/0@0");
            assertThat(r.timestamp()).isEqualTo(1_700_000_000_000L);
        });
    }
}
