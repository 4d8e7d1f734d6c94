package dev.memlog.ingest;

import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.schemas.KafkaConnection;
import dev.memlog.common.tracing.Tracing;
import dev.memlog.schemas.TraceHeaders;
import dev.memlog.schemas.Topics;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.registry.SchemaRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append is acknowledged only once every replica in sync has it (idempotent producer, acks=all). One event goes
 * alone; several go in one Kafka transaction, so a batch is in the log whole or not at all for every reader of the
 * log (all of them read committed records only). Each record's timestamp is when the platform received it: the
 * time every stream-time rule runs on, which no client's clock can move.
 */
final class EventAppender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventAppender.class);

    private final KafkaConnection kafka;
    private final AvroFormat format;
    private final Duration timeout;
    private final String instance = UUID.randomUUID().toString();
    private final KafkaProducer<String, MemoryEvent> single;
    /** Transactional producers, one per batch in flight: a transaction belongs to one producer at a time. */
    private final BlockingQueue<Slot> slots;

    /** A transactional producer and the id that fences its predecessor when it is replaced. */
    private final class Slot {
        final String transactionalId;
        KafkaProducer<String, MemoryEvent> producer;

        Slot(int n) {
            this.transactionalId = "ingest-" + instance + "-" + n;
        }

        KafkaProducer<String, MemoryEvent> producer() {
            if (producer == null) {
                producer = Topics.MEMORY_EVENTS.producer(kafka, format, transactionalId, 2,
                        Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId,
                                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) timeout.multipliedBy(2).toMillis()));
                try {
                    producer.initTransactions();
                } catch (RuntimeException e) {
                    producer.close(Duration.ZERO);
                    producer = null;
                    throw e;
                }
            }
            return producer;
        }

        /**
         * Ends a failed transaction at once: an open one would hold every read-committed reader of its partitions
         * (consolidation among them) until it timed out. Aborted if the producer can; otherwise a new producer with the
         * same id takes over, which aborts it.
         */
        void abandon() {
            if (producer == null) {
                return;
            }
            try {
                producer.abortTransaction();
                return;
            } catch (RuntimeException notAbortable) {
                // fatal, or the broker is away: replace the producer
            }
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException ignored) {
                // it is being replaced
            }
            producer = null;
            try {
                producer();
            } catch (RuntimeException brokerAway) {
                // the next batch in this slot tries again; the broker aborts the transaction at its timeout meanwhile
            }
        }
    }

    /**
     * @param timeout how long an append may wait for Kafka before it is answered as not acknowledged
     * @param concurrentBatches how many batches may be in their transactions at once
     */
    EventAppender(KafkaConnection kafka, AvroFormat format, Duration timeout, int concurrentBatches) {
        this.kafka = kafka;
        this.format = format;
        this.timeout = timeout;
        this.single = Topics.MEMORY_EVENTS.producer(kafka, format, "ingest-service", 2,
                Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis()));
        this.slots = new ArrayBlockingQueue<>(concurrentBatches);
        for (int i = 0; i < concurrentBatches; i++) {
            slots.add(new Slot(i));
        }
    }

    /** Sends all events and waits for Kafka's acknowledgement; order within an owner is preserved. */
    List<RecordMetadata> append(List<EventRequests.Pending> events) throws LogUnavailableException {
        // a span of the request's trace; each event carries it in its traceparent header to consolidation
        Span span = Tracing.tracer("memlog.ingest").spanBuilder("memory.events publish").setSpanKind(SpanKind.PRODUCER)
                .setAttribute("messaging.destination.name", Topics.MEMORY_EVENTS.name())
                .setAttribute("messaging.batch.message_count", events.size()).startSpan();
        try (Scope ignored = span.makeCurrent()) {
            return events.size() == 1 ? appendOne(events.getFirst()) : appendAll(events);
        } catch (LogUnavailableException | RuntimeException e) {
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }

    private List<RecordMetadata> appendOne(EventRequests.Pending pending) throws LogUnavailableException {
        try {
            return List.of(single.send(record(pending)).get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS));
        } catch (ExecutionException e) {
            throw LogUnavailableException.of(e.getCause());
        } catch (KafkaException | TimeoutException e) {
            throw LogUnavailableException.of(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogUnavailableException(e);
        }
    }

    private List<RecordMetadata> appendAll(List<EventRequests.Pending> events) throws LogUnavailableException {
        Slot slot;
        try {
            slot = slots.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LogUnavailableException(e);
        }
        if (slot == null) {
            throw new LogUnavailableException(new TimeoutException("every batch slot stayed busy for " + timeout.toMillis() + " ms"));
        }
        try {
            var producer = slot.producer();
            producer.beginTransaction();
            List<Future<RecordMetadata>> sent = new ArrayList<>(events.size());
            for (var pending : events) {
                sent.add(producer.send(record(pending)));
            }
            producer.commitTransaction(); // flushes, and fails if any send failed
            List<RecordMetadata> acked = new ArrayList<>(sent.size());
            for (var future : sent) {
                acked.add(future.get());
            }
            return acked;
        } catch (ExecutionException e) {
            slot.abandon();
            throw LogUnavailableException.of(e.getCause());
        } catch (KafkaException e) {
            // aborted or unknown: the batch is not visible to any reader; a new producer fences this one's transaction
            log.warn("batch of {} events not appended: {}", events.size(), e.toString());
            slot.abandon();
            throw LogUnavailableException.of(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            slot.abandon();
            throw new LogUnavailableException(e);
        } finally {
            slots.add(slot);
        }
    }

    private static ProducerRecord<String, MemoryEvent> record(EventRequests.Pending pending) {
        var record = new ProducerRecord<>(Topics.MEMORY_EVENTS.name(), null, pending.event().getReceivedAt().toEpochMilli(),
                pending.key(), pending.event());
        TraceHeaders.inject(Context.current(), record.headers());
        return record;
    }

    @Override
    public void close() {
        single.close(Duration.ofSeconds(10));
        for (Slot slot : slots) {
            if (slot.producer != null) {
                slot.producer.close(Duration.ofSeconds(5));
            }
        }
    }

    /** Kafka did not acknowledge the append; the caller may retry with the same event ids. */
    static class LogUnavailableException extends Exception {
        LogUnavailableException(Throwable cause) {
            super("the event log did not acknowledge the append: " + cause.getMessage(), cause);
        }

        LogUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }

        /** What Kafka answered, as the caller should take it: too large is final, anything else worth a retry. */
        static LogUnavailableException of(Throwable cause) {
            for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof RecordTooLargeException) {
                    return new TooLargeException(t);
                }
            }
            return new LogUnavailableException(cause);
        }
    }

    /** An event larger than the log's record limit: retrying cannot help. */
    static final class TooLargeException extends LogUnavailableException {
        TooLargeException(Throwable cause) {
            super("an event is larger than the event log accepts (its topic's max.message.bytes)", cause);
        }
    }
}
