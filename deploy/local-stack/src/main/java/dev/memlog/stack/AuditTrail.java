package dev.memlog.stack;

import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.AuditEntry;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import dev.memlog.schemas.serde.AvroFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** Reads a stack's memory.audit from its start, committed entries only, as an auditor would. */
public final class AuditTrail {
    private AuditTrail() {
    }

    /** The entries read until {@code done} holds for them, or empty-handed after the timeout. */
    public static List<AuditEntry> readUntil(LocalStack stack, Predicate<List<AuditEntry>> done, Duration timeout) {
        var props = new Properties();
        props.put("bootstrap.servers", stack.kafkaBootstrapServers());
        props.put("group.id", "audit-reader-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        var registry = new SchemaRegistryClient(stack.registryUrl(), stack.serviceToken().authorization());
        List<AuditEntry> entries = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (var consumer = new KafkaConsumer<>(props, Topics.MEMORY_AUDIT.keySerde().deserializer(),
                Topics.MEMORY_AUDIT.valueSerde(AvroFormat.plain(registry)).deserializer())) {
            consumer.subscribe(List.of(Topics.MEMORY_AUDIT.name()));
            while (!done.test(entries) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> entries.add(r.value()));
            }
        }
        return entries;
    }
}
