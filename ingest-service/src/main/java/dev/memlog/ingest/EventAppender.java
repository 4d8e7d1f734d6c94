package dev.memlog.ingest;

import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** An append is acknowledged only once every replica in sync has it (idempotent producer, acks=all). */
final class EventAppender implements AutoCloseable {
    private final KafkaProducer<String, MemoryEvent> producer;

    EventAppender(String bootstrapServers, SchemaRegistryClient registry) {
        this.producer = Topics.MEMORY_EVENTS.producer(bootstrapServers, registry, "ingest-service", 2);
    }

    /** Sends all events and waits for Kafka's acknowledgement of each; order within an owner is preserved. */
    List<RecordMetadata> append(List<EventRequests.Pending> events) throws LogUnavailableException {
        List<Future<RecordMetadata>> sent = new ArrayList<>(events.size());
        try {
            for (var pending : events) {
                sent.add(producer.send(new ProducerRecord<>(Topics.MEMORY_EVENTS.name(), null,
                        pending.event().getOccurredAt().toEpochMilli(), pending.key(), pending.event())));
            }
            List<RecordMetadata> acked = new ArrayList<>(sent.size());
            for (var future : sent) {
                acked.add(future.get());
            }
            return acked;
        } catch (ExecutionException e) {
            throw new LogUnavailableException(e.getCause());
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new LogUnavailableException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogUnavailableException(e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }

    /** Kafka did not acknowledge the append; the caller may retry with the same event ids. */
    static final class LogUnavailableException extends Exception {
        LogUnavailableException(Throwable cause) {
            super("the event log did not acknowledge the append: " + cause.getMessage(), cause);
        }
    }
}
