package dev.memlog.consolidation;

import dev.memlog.schemas.DeadLetterTopic;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.registry.SchemaRegistryException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record consolidation cannot read, process or write goes to the dead-letter topic as it was read, with the reason,
 * and the partition goes on: one bad event never stops everyone else's memory. Written in the same transaction as the
 * task's other output, so a dead letter is never lost nor written twice.
 */
public final class DeadLetterHandler implements ProcessingExceptionHandler, DeserializationExceptionHandler,
        ProductionExceptionHandler {
    /** The config key under which the service passes its meter registry, so dead letters are counted. */
    public static final String METRICS_CONFIG = "memlog.dead.letter.metrics";
    private static final Logger log = LoggerFactory.getLogger(DeadLetterHandler.class);
    private static final DeadLetterTopic TOPIC = Topics.CONSOLIDATION_DEAD_LETTERS;

    private MeterRegistry metrics;

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(METRICS_CONFIG) instanceof MeterRegistry registry) {
            this.metrics = registry;
        }
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception e) {
        if (SchemaRegistryException.transientIn(e)) {
            return ProcessingExceptionHandler.Response.fail(); // writing a state store or the output needs the registry
        }
        return ProcessingExceptionHandler.Response.resume(letter(context, "processing", e));
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                                Exception e) {
        if (SchemaRegistryException.transientIn(e)) {
            // the registry is away, not the record at fault: fail, so the thread is replaced and reads it again
            log.warn("schema registry unavailable while reading a record: {}", DeadLetterTopic.describeShort(e));
            return DeserializationExceptionHandler.Response.fail();
        }
        return DeserializationExceptionHandler.Response.resume(letter(context, "deserialization", e));
    }

    @Override
    public ProductionExceptionHandler.Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                                           Exception e) {
        if (e instanceof RecordTooLargeException) {
            if (TOPIC.name().equals(record.topic())) {
                // a dead letter that cannot be written: its source is still at its offset, and the log says where
                log.error("dead letter for {}-{}@{} not written: {}", context.topic(), context.partition(), context.offset(),
                        e.toString());
                return ProductionExceptionHandler.Response.resume();
            }
            // what the input derived cannot be stored: the input is the dead letter, the rest of its output stands
            return ProductionExceptionHandler.Response.resume(letter(context, "production", e));
        }
        return ProductionExceptionHandler.Response.fail();
    }

    @Override
    public ProductionExceptionHandler.Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record,
                                                                        Exception e, SerializationExceptionOrigin origin) {
        return ProductionExceptionHandler.Response.resume(letter(context, "serialization", e));
    }

    private List<ProducerRecord<byte[], byte[]>> letter(ErrorHandlerContext context, String stage, Exception e) {
        log.warn("dead letter from {}-{}@{} ({}, task {}, node {}): {}", context.topic(), context.partition(), context.offset(),
                stage, context.taskId(), context.processorNodeId(), DeadLetterTopic.describeShort(e));
        if (metrics != null) {
            Counter.builder("memlog_dead_letters").description("records sent to a dead-letter topic, by stage")
                    .tag("topic", TOPIC.name()).tag("stage", stage).register(metrics).increment();
        }
        if (context.sourceRawValue() == null && context.sourceRawKey() == null) {
            return List.of(); // a punctuation, with no input record to keep: the log says what failed
        }
        return List.of(TOPIC.letter(context.topic(), context.partition(), context.offset(), context.timestamp(),
                context.sourceRawKey(), context.sourceRawValue(), context.headers(), stage, e));
    }
}
