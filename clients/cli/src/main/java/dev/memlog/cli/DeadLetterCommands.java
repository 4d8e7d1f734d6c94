package dev.memlog.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.config.Env;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.KafkaConnection;
import dev.memlog.schemas.DeadLetterTopic;
import dev.memlog.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What consolidation and the materializer could not process: listed with why and where from, and replayed to the
 * topic it came from once the cause is fixed (a new release, a repaired mapping). A replayed record keeps its key,
 * value, headers and time, and says where it was replayed from; derived records are idempotent, so replaying twice
 * changes nothing.
 */
@Command(name = "dlq", description = "List and replay dead letters.", subcommands = {DeadLetterCommands.ListLetters.class,
        DeadLetterCommands.Replay.class}, mixinStandardHelpOptions = true)
final class DeadLetterCommands {

    /**
     * Where Kafka is and how to connect: KAFKA_BOOTSTRAP_SERVERS and the other KAFKA_* client settings, as every
     * service reads them, unless the option names other brokers.
     */
    static final class Kafka {
        @Option(names = "--bootstrap-servers", defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
                description = "Kafka brokers (default KAFKA_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE}); security and other"
                        + " client settings come from KAFKA_* (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_JAAS_CONFIG, ...)")
        String bootstrapServers;

        KafkaConnection connection() {
            return KafkaConnection.from(Env.system().passthrough("KAFKA_")).withBootstrapServers(bootstrapServers);
        }
    }

    static DeadLetterTopic topic(String name) {
        return Topics.deadLetters().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("no dead-letter topic " + name + "; known: "
                        + Topics.deadLetters().stream().map(DeadLetterTopic::name).toList()));
    }

    /** Which dead letters a command takes: a topic, optionally one partition, from an offset, at most so many. */
    static final class Selection {
        @Option(names = "--topic", defaultValue = "memory.consolidation.dlq", description = "dead-letter topic (default ${DEFAULT-VALUE})")
        String topic;
        @Option(names = "--partition", description = "only this partition")
        Integer partition;
        @Option(names = "--from", defaultValue = "0", description = "first offset")
        long from;
        @Option(names = "--limit", defaultValue = "1000", description = "at most this many (default ${DEFAULT-VALUE})")
        int limit;
    }

    /** The letters of a topic from the beginning (or from an offset), committed ones only. */
    static List<ConsumerRecord<byte[], byte[]>> read(String bootstrap, String topic, Integer partition, long from, int limit) {
        return read(KafkaConnection.of(bootstrap), topic, partition, from, limit);
    }

    static List<ConsumerRecord<byte[], byte[]>> read(KafkaConnection kafka, String topic, Integer partition, long from, int limit) {
        Properties props = kafka.properties();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "memlog-cli-" + UUID.randomUUID());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .filter(p -> partition == null || p.partition() == partition)
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            for (TopicPartition p : partitions) {
                consumer.seek(p, from);
            }
            var end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < limit && System.nanoTime() < deadline
                    && partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (var r : consumer.poll(Duration.ofMillis(500))) {
                    if (out.size() < limit) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }

    static ObjectNode describe(ConsumerRecord<byte[], byte[]> r) {
        var letter = DeadLetterTopic.read(r);
        ObjectNode line = Json.mapper().createObjectNode();
        line.put("dead_letter", r.topic() + "/" + r.partition() + "@" + r.offset());
        line.put("source", letter.sourceTopic() + "/" + letter.sourcePartition() + "@" + letter.sourceOffset());
        line.put("stage", letter.stage());
        line.put("exception", letter.exception());
        line.put("reason", letter.message());
        line.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
        line.put("value_bytes", r.value() == null ? 0 : r.value().length);
        line.put("value_omitted", letter.valueOmitted());
        line.put("replayed_from", DeadLetterTopic.header(r.headers(), DeadLetterTopic.REPLAYED_FROM));
        if (r.value() != null && r.value().length <= 2048) {
            line.put("value_base64", Base64.getEncoder().encodeToString(r.value()));
        }
        return line;
    }

    @Command(name = "list", description = "Print every dead letter as one JSON line: where it came from, at which step, why.",
            mixinStandardHelpOptions = true)
    static final class ListLetters implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Kafka kafka;
        @picocli.CommandLine.Mixin
        Selection selection;
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            topic(selection.topic);
            for (var r : read(kafka.connection(), selection.topic, selection.partition, selection.from, selection.limit)) {
                spec.commandLine().getOut().println(describe(r));
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "replay", description = "Append dead letters to the topic they came from, to be processed again.",
            mixinStandardHelpOptions = true)
    static final class Replay implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Kafka kafka;
        @picocli.CommandLine.Mixin
        Selection selection;
        @Option(names = "--offset", description = "only the letter at this offset (with --partition)")
        Long offset;
        @Option(names = "--dry-run", description = "say what would be replayed, append nothing")
        boolean dryRun;
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            topic(selection.topic);
            KafkaConnection connection = kafka.connection();
            List<ConsumerRecord<byte[], byte[]>> letters = offset == null
                    ? read(connection, selection.topic, selection.partition, selection.from, selection.limit)
                    : read(connection, selection.topic, selection.partition, offset, 1);
            Properties props = connection.properties();
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            int replayed = 0;
            try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (var r : letters) {
                    var letter = DeadLetterTopic.read(r);
                    byte[] value = r.value();
                    if (letter.valueOmitted()) {
                        // too large to copy into the letter: take it from where it still is
                        var original = read(connection, letter.sourceTopic(), letter.sourcePartition(), letter.sourceOffset(), 1);
                        value = original.isEmpty() ? null : original.getFirst().value();
                    }
                    var headers = new RecordHeaders();
                    r.headers().forEach(h -> {
                        if (!h.key().startsWith("__streams.errors.") && !h.key().startsWith("memlog.errors.")
                                && !h.key().equals(DeadLetterTopic.REPLAYED_FROM)) {
                            headers.add(h);
                        }
                    });
                    headers.add(DeadLetterTopic.REPLAYED_FROM, (r.topic() + "/" + r.partition() + "@" + r.offset())
                            .getBytes(StandardCharsets.UTF_8));
                    ObjectNode line = describe(r).put("replayed_to", letter.sourceTopic()).put("dry_run", dryRun);
                    if (!dryRun) {
                        producer.send(new ProducerRecord<>(letter.sourceTopic(), letter.sourcePartition(), r.timestamp(),
                                r.key(), value, headers)).get();
                        replayed++;
                    }
                    spec.commandLine().getOut().println(line);
                }
            }
            spec.commandLine().getOut().flush();
            spec.commandLine().getErr().println(replayed + " of " + letters.size() + " dead letters replayed");
            return 0;
        }
    }
}
