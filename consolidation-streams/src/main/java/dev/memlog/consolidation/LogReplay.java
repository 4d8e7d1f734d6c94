package dev.memlog.consolidation;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.schemas.serde.AvroSerde;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The consolidation topology run in this process over events the caller read from the log, in the order it gives
 * them: what it derives is handed back, never written to a topic, and its state lives in a directory of its own. The
 * log positions it stamps on records are its own input's, not the log's.
 */
public final class LogReplay implements AutoCloseable {
    private final TopologyTestDriver driver;
    private final TestInputTopic<byte[], byte[]> events;
    private final TestInputTopic<byte[], byte[]> access;
    private final TestOutputTopic<byte[], byte[]> records;
    private final TestOutputTopic<byte[], byte[]> strengths;
    private final TestOutputTopic<byte[], byte[]> deadLetters;
    private final AvroSerde<MemoryRecord> recordSerde;
    private long lettered;

    /** @param format reads the events as consolidation does (sealed fields opened) */
    public LogReplay(AvroFormat format, ConsolidationRules rules, EmbeddingProvider embeddings, Path stateDir, String id) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "memlog-replay-" + id);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "replay.invalid:9092"); // never reached: the driver has no broker
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.CONSOLIDATION_DEAD_LETTERS.name());
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(DeadLetterHandler.METRICS_CONFIG, new SimpleMeterRegistry());
        this.driver = new TopologyTestDriver(ConsolidationService.topology(format, rules.parts(embeddings, Clock.systemUTC())),
                props, Instant.EPOCH);
        var bytes = new ByteArraySerializer();
        var read = new ByteArrayDeserializer();
        this.events = driver.createInputTopic(Topics.MEMORY_EVENTS.name(), bytes, bytes);
        this.access = driver.createInputTopic(Topics.MEMORY_ACCESS.name(), bytes, bytes);
        this.records = driver.createOutputTopic(Topics.MEMORY_RECORDS.name(), read, read);
        this.strengths = driver.createOutputTopic(Topics.MEMORY_STRENGTH.name(), read, read);
        this.deadLetters = driver.createOutputTopic(Topics.CONSOLIDATION_DEAD_LETTERS.name(), read, read);
        this.recordSerde = Topics.MEMORY_RECORDS.valueSerde(format);
    }

    /**
     * Consolidates one value of memory.events or memory.access, with the timestamp and headers it has in the log (the
     * platform time that decay, forgetting and idle sessions go by), and returns the records it derived.
     */
    public List<MemoryRecord> feed(String topic, byte[] key, byte[] value, Instant timestamp, Headers headers) {
        var input = switch (topic) {
            case String t when t.equals(Topics.MEMORY_EVENTS.name()) -> events;
            case String t when t.equals(Topics.MEMORY_ACCESS.name()) -> access;
            default -> throw new IllegalArgumentException("a replay reads memory.events and memory.access, not " + topic);
        };
        input.pipeInput(new TestRecord<>(key, value, headers, timestamp));
        List<MemoryRecord> derived = new ArrayList<>();
        for (var r : records.readValuesToList()) {
            var record = r == null ? null : recordSerde.deserialize(r);
            if (record != null) {
                derived.add(record);
            }
        }
        strengths.readValuesToList(); // use histories are not part of what a replay compares
        lettered += deadLetters.readValuesToList().size();
        return derived;
    }

    /** Inputs the consolidation could not read or process, as the live run sends them to its dead-letter topic. */
    public long deadLetters() {
        return lettered;
    }

    @Override
    public void close() {
        driver.close();
    }
}
