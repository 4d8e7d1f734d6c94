package dev.memlog.ingest;

import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.common.auth.Principal;
import dev.memlog.schemas.KafkaConnection;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.AuditAction;
import dev.memlog.schemas.avro.AuditEntry;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.registry.SchemaRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;

/**
 * Every admin and erase action is in memory.audit before it is acknowledged: who (the credential's name), what, on
 * which memory, and the event that carries it. An entry's id is its event's, so a retried action is recognisable.
 */
final class AuditLog implements AutoCloseable {
    private final KafkaProducer<String, AuditEntry> producer;
    private final Duration timeout;

    AuditLog(KafkaConnection kafka, AvroFormat format, Duration timeout) {
        this.timeout = timeout;
        this.producer = Topics.MEMORY_AUDIT.producer(kafka, format, "ingest-audit", 0,
                Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis()));
    }

    void deletion(Principal actor, MemoryEvent deletion) throws EventAppender.LogUnavailableException {
        append(AuditEntry.newBuilder().setAuditId(deletion.getEventId()).setTenantId(deletion.getTenantId())
                .setActor(actor.name()).setAction(AuditAction.DELETE_MEMORY).setTarget(deletion.getTargetRecordId())
                .setEventId(deletion.getEventId()).setAt(deletion.getReceivedAt()).build());
    }

    void erasure(Principal actor, MemoryEvent erasure, int keysDestroyed) throws EventAppender.LogUnavailableException {
        append(AuditEntry.newBuilder().setAuditId(erasure.getEventId()).setTenantId(erasure.getTenantId())
                .setActor(actor.name()).setAction(AuditAction.ERASE_SUBJECT).setTarget(ErasureRoutes.subject(erasure))
                .setEventId(erasure.getEventId()).setAt(erasure.getReceivedAt())
                .setDetails(Map.of("keys_destroyed", (long) keysDestroyed)).build());
    }

    private void append(AuditEntry entry) throws EventAppender.LogUnavailableException {
        try {
            producer.send(new ProducerRecord<>(Topics.MEMORY_AUDIT.name(), null, entry.getAt().toEpochMilli(),
                    entry.getTenantId(), entry)).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw EventAppender.LogUnavailableException.of(e.getCause());
        } catch (KafkaException | TimeoutException e) {
            throw EventAppender.LogUnavailableException.of(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EventAppender.LogUnavailableException(e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
