package dev.memlog.query;

import dev.memlog.schemas.KafkaConnection;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.RecordChange;
import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.schemas.serde.AvroSerde;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-materializes every memory record into a new generation of the live index, then points the alias at it in one
 * request and reads what came in meanwhile: records keep their vectors, so nothing is embedded again, and every query
 * during the rebuild reads a whole generation. It reads the log with no consumer group and writes nothing to Kafka.
 */
public final class GenerationRebuild implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(GenerationRebuild.class);
    private static final int BULK = 1000;

    /** How far a rebuild has got; {@code total} is the records to read before the swap. */
    public record Progress(String rebuildId, String state, String from, String to, long records, long total, long skipped,
                           double recordsPerSecond, Long etaSeconds, Instant startedAt, Instant finishedAt, String error) {
    }

    private final String id = UUID.randomUUID().toString();
    private final KafkaConnection kafka;
    private final AvroSerde<MemoryRecord> records;
    private final OpenSearchRest os;
    private final MemoryIndex index;
    private final String model;
    private final int dimension;
    private final int shards;
    private final int replicas;
    private final AtomicLong read = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private volatile long total;
    private volatile String state = "starting";
    private volatile String from;
    private volatile String to;
    private volatile String error;
    private volatile Instant finishedAt;
    private final Instant startedAt = Instant.now();
    private final long startedNanos = System.nanoTime();

    public GenerationRebuild(KafkaConnection kafka, AvroFormat format, OpenSearchRest os, MemoryIndex index, String model,
                             int dimension, int shards, int replicas) {
        this.kafka = kafka;
        this.records = Topics.MEMORY_RECORDS.valueSerde(format);
        this.os = os;
        this.index = index;
        this.model = model;
        this.dimension = dimension;
        this.shards = shards;
        this.replicas = replicas;
    }

    public Progress progress() {
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        double rate = seconds > 0 ? read.get() / seconds : 0;
        Long eta = rate > 0 && finishedAt == null ? (long) Math.ceil(Math.max(0, total - read.get()) / rate) : null;
        return new Progress(id, state, from, to, read.get(), total, skipped.get(), Math.round(rate * 10) / 10.0, eta, startedAt, finishedAt, error);
    }

    public boolean finished() {
        return finishedAt != null;
    }

    @Override
    public void run() {
        try {
            from = index.currentGeneration();
            to = nextGeneration(from);
            index.createGeneration(to, model, dimension, shards, replicas);
            log.info("rebuilding {} into {} from memory.records", from, to);
            Properties props = kafka.properties();
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
            props.put(ConsumerConfig.CLIENT_ID_CONFIG, "memlog-rebuild-" + to);
            try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = consumer.partitionsFor(Topics.MEMORY_RECORDS.name()).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                total = end.values().stream().mapToLong(Long::longValue).sum();
                state = "copying";
                readUntil(consumer, end);
                // what was copied must be searchable before the alias points at it, or queries just after the swap
                // miss the last second's records
                os.call("POST", "/" + to + "/_refresh", null);
                // from here the materializer writes to the new generation; what it wrote to the old one is read again
                state = "swapping";
                index.swapTo(from, to);
                Map<TopicPartition, Long> after = consumer.endOffsets(partitions);
                total = after.values().stream().mapToLong(Long::longValue).sum();
                state = "catching up";
                readUntil(consumer, after);
            }
            state = "done";
            log.info("rebuild done: {} now points to {} ({} records; {} kept for rollback)", index.alias(), to, read.get(), from);
        } catch (RuntimeException | IOException | InterruptedException e) {
            log.error("rebuild of {} failed while {}; queries read what the alias points to", index.alias(), state, e);
            state = "failed";
            error = e.getMessage();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            finishedAt = Instant.now();
        }
    }

    private void readUntil(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end)
            throws IOException, InterruptedException {
        List<BulkOperation> batch = new ArrayList<>();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            for (var r : consumer.poll(Duration.ofMillis(500))) {
                read.incrementAndGet();
                MemoryRecord record = read(r.value());
                if (record == null) {
                    continue;
                }
                if (record.getChange() == RecordChange.ERASED) {
                    flush(batch);
                    IndexEraser.deleteAll(os, to, IndexEraser.ownerQuery(record));
                    continue;
                }
                batch.add(MemoryIndex.liveOperation(to, record));
                if (batch.size() >= BULK) {
                    flush(batch);
                }
            }
        }
        flush(batch);
    }

    /** A record that cannot be read was a dead letter of the materializer already; one sealed for an erased owner is gone. */
    private MemoryRecord read(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return records.deserialize(value);
        } catch (RuntimeException e) {
            skipped.incrementAndGet();
            return null;
        }
    }

    private void flush(List<BulkOperation> batch) throws IOException, InterruptedException {
        skipped.addAndGet(RetryingBulk.write(os, to, batch));
    }

    /** The alias's next generation: {@code <alias>-v<n+1>}, or the first free number after the current one. */
    String nextGeneration(String current) {
        var m = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(index.alias()) + "-v(\\d+)").matcher(current);
        int n = m.matches() ? Integer.parseInt(m.group(1)) + 1 : 2;
        while (os.exists("/" + index.alias() + "-v" + n)) {
            n++;
        }
        return index.alias() + "-v" + n;
    }
}
