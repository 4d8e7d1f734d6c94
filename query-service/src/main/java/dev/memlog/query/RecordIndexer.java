package dev.memlog.query;

import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.schemas.DeadLetterTopic;
import dev.memlog.schemas.Derivation;
import dev.memlog.schemas.KafkaConnection;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.RecordChange;
import dev.memlog.schemas.avro.AuditEntry;
import dev.memlog.schemas.avro.MemoryStrength;
import dev.memlog.schemas.registry.SchemaRegistry;
import dev.memlog.schemas.registry.SchemaRegistryException;
import dev.memlog.schemas.serde.AvroSerde;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.opensearch.client.opensearch.core.BulkRequest;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every committed memory record is in the index exactly once, and gone from it once forgotten: documents are keyed by
 * record id and versioned externally, every version also lands in the history index (and, with the span it was in
 * effect, in the as-of index) and every change of a memory's use history in the strength index. A batch's offsets are committed only once the index has taken it, together with
 * the dead letters of the records that could not be read or that the index refused for good (one Kafka transaction, so
 * neither is lost or written twice). While the index is away the batch is read again and retried, with the consumer
 * still polling, so an outage of any length ends with the indexer resuming by itself.
 */
public final class RecordIndexer implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordIndexer.class);
    private final Duration maxBackoff;
    /** Bulk requests are cut at about this many bytes, well under OpenSearch's request limit. */
    static final long MAX_BULK_BYTES = 16L << 20;
    private static final DeadLetterTopic DEAD_LETTERS = Topics.MATERIALIZER_DEAD_LETTERS;

    private final KafkaConsumer<String, byte[]> consumer;
    private final Properties deadLetterSettings;
    private KafkaProducer<byte[], byte[]> deadLetters;
    private final AvroSerde<MemoryRecord> records;
    private final AvroSerde<MemoryStrength> strengthChanges;
    private final OpenSearchRest os;
    private final Derivation derivation;
    private final Generation target;
    private final IndexEraser eraser;
    private final AvroSerde<AuditEntry> audit;
    private final MeterRegistry metrics;
    private final Counter forgotten;
    private final Counter strengths;
    private final KafkaClientMetrics consumerMetrics;
    private final Counter indexed;
    private final Counter retries;
    private final Timer bulkTimer;
    private final AtomicLong lag = new AtomicLong(-1);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private final String groupId;
    private volatile boolean polling;
    private volatile long lastLoopMillis = System.currentTimeMillis();
    private volatile String lastFailure;

    /**
     * @param target the generation whose indexes it writes, in its materializer group, from its derivation's topics
     * @param maxPollInterval how long the loop may go without polling before the group gives its partitions away
     */
    RecordIndexer(KafkaConnection kafka, Generation target, AvroFormat format, OpenSearchRest os, Generations generations,
                  ErasureReceipts receipts, MeterRegistry metrics, Duration maxPollInterval) {
        this.target = target;
        this.derivation = target.derivation();
        this.groupId = target.group();
        Properties props = kafka.properties();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // consolidation writes transactionally: never index a record from an aborted transaction
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) maxPollInterval.toMillis());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, groupId);
        // values are read one by one, so one that cannot be read is a dead letter rather than the end of the loop
        this.consumer = new KafkaConsumer<>(props, Topics.MEMORY_RECORDS.keySerde().deserializer(), new ByteArrayDeserializer());
        this.deadLetterSettings = kafka.properties();
        deadLetterSettings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, groupId + "-" + UUID.randomUUID());
        deadLetterSettings.put(ProducerConfig.ACKS_CONFIG, "all");
        deadLetterSettings.put(ProducerConfig.CLIENT_ID_CONFIG, groupId + "-dead-letters");
        this.records = derivation.records().valueSerde(format);
        this.strengthChanges = derivation.strength().valueSerde(format);
        this.os = os;
        this.eraser = new IndexEraser(os, generations, receipts);
        this.audit = Topics.MEMORY_AUDIT.valueSerde(format);
        this.metrics = metrics;
        this.forgotten = Counter.builder("memlog_materializer_records_forgotten")
                .description("memories removed from the live index because they were forgotten").register(metrics);
        this.strengths = Counter.builder("memlog_materializer_strengths_indexed").register(metrics);
        this.consumerMetrics = new KafkaClientMetrics(consumer);
        consumerMetrics.bindTo(metrics);
        this.indexed = Counter.builder("memlog_materializer_records_indexed").register(metrics);
        this.retries = Counter.builder("memlog_materializer_batch_retries")
                .description("batches read again because the index did not take them").register(metrics);
        this.bulkTimer = Timer.builder("memlog_materializer_bulk").register(metrics);
        this.thread = Thread.ofPlatform().name("record-indexer").unstarted(this);
        // a retry waits at most a quarter of the poll interval, so the loop polls well within it
        this.maxBackoff = Duration.ofMillis(Math.min(5000, maxPollInterval.toMillis() / 4));
    }

    public void start() {
        deadLetters = newDeadLetterProducer();
        consumer.subscribe(List.of(derivation.records().name(), derivation.strength().name()));
        thread.start();
    }

    /** True while the loop runs and has joined its group. */
    public boolean healthy() {
        return thread.isAlive() && polling;
    }

    /** Whether the loop thread is running and has come round within {@code within}: a dead or stuck loop is not. */
    public boolean alive(Duration within) {
        return thread.isAlive() && System.currentTimeMillis() - lastLoopMillis < within.toMillis();
    }

    /** Why the last batch was not indexed, while it is being retried; null when the last batch went in. */
    public String lastFailure() {
        return lastFailure;
    }

    public long lag() {
        return lag.get();
    }

    /** The generation this indexer writes. */
    Generation target() {
        return target;
    }

    @Override
    public void run() {
        Duration backoff = Duration.ofMillis(200);
        try {
            while (running.get()) {
                lastLoopMillis = System.currentTimeMillis();
                ConsumerRecords<String, byte[]> batch = consumer.poll(Duration.ofMillis(500));
                polling = true;
                if (!batch.isEmpty()) {
                    try {
                        index(batch);
                        lastFailure = null;
                        backoff = Duration.ofMillis(200);
                    } catch (RetryLater e) {
                        lastFailure = e.getMessage();
                        retries.increment();
                        log.warn("{} changes not indexed, reading them again in {} ms: {}", batch.count(), backoff.toMillis(),
                                e.getMessage());
                        rewind(batch);
                        Thread.sleep(backoff.toMillis());
                        backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
                    }
                }
                updateLag();
            }
        } catch (WakeupException e) {
            if (running.get()) {
                log.error("record indexer woken up while running", e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("record indexer stopped", e);
        } finally {
            polling = false;
            consumer.close(Duration.ofSeconds(5));
            if (deadLetters != null) {
                deadLetters.close(Duration.ofSeconds(5));
            }
        }
    }

    /** The batch will be read again: every partition back to its first record in it. */
    private void rewind(ConsumerRecords<String, byte[]> batch) {
        for (TopicPartition partition : batch.partitions()) {
            if (consumer.assignment().contains(partition)) {
                consumer.seek(partition, batch.records(partition).getFirst().offset());
            }
        }
    }

    /** A batch the index or Kafka did not take this time; nothing of it is committed. */
    static final class RetryLater extends Exception {
        RetryLater(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One change read from the log, with where it came from: a source of index operations or a dead letter. */
    private record Change(ConsumerRecord<String, byte[]> source, SpecificRecord value) {
    }

    private void index(ConsumerRecords<String, byte[]> batch) throws RetryLater {
        List<Change> changes = new ArrayList<>(batch.count());
        List<ProducerRecord<byte[], byte[]>> letters = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : batch) {
            if (r.value() == null) {
                continue;
            }
            try {
                SpecificRecord value = r.topic().equals(derivation.strength().name())
                        ? strengthChanges.deserialize(r.value()) : records.deserialize(r.value());
                if (value != null) { // null: sealed for an owner since erased, so there is nothing to index
                    changes.add(new Change(r, value));
                }
            } catch (RuntimeException e) {
                if (SchemaRegistryException.transientIn(e)) {
                    throw new RetryLater("the schema registry is unavailable: " + e.getMessage(), e);
                }
                letters.add(letter(r, "deserialization", e));
            }
        }
        List<Change> chunk = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> receipts = new ArrayList<>();
        long bytes = 0;
        for (Change change : changes) {
            if (change.value() instanceof MemoryRecord marker && marker.getChange() == RecordChange.ERASED) {
                // what came before the erasure in this batch is indexed first, then all of the owner is deleted
                if (!chunk.isEmpty()) {
                    letters.addAll(bulk(chunk));
                    chunk.clear();
                    bytes = 0;
                }
                receipts.add(receipt(erase(marker)));
                continue;
            }
            long size = estimatedBytes(change.value());
            if (!chunk.isEmpty() && bytes + size > MAX_BULK_BYTES) {
                letters.addAll(bulk(chunk));
                chunk.clear();
                bytes = 0;
            }
            chunk.add(change);
            bytes += size;
        }
        if (!chunk.isEmpty()) {
            letters.addAll(bulk(chunk));
        }
        commit(batch, letters, receipts);
    }

    private AuditEntry erase(MemoryRecord marker) throws RetryLater {
        try {
            AuditEntry receipt = eraser.erase(marker);
            log.info("erased {} of tenant {} from every index: {}", receipt.getTarget(), receipt.getTenantId(), receipt.getDetails());
            return receipt;
        } catch (RuntimeException e) {
            throw new RetryLater("the index did not take an erasure: " + e.getMessage(), e);
        }
    }

    /** The erasure's receipt, committed with the offsets: once, and only if the deletion held. */
    private ProducerRecord<byte[], byte[]> receipt(AuditEntry entry) {
        return new ProducerRecord<>(Topics.MEMORY_AUDIT.name(), null, entry.getAt().toEpochMilli(),
                entry.getTenantId().getBytes(java.nio.charset.StandardCharsets.UTF_8), audit.serialize(entry));
    }

    /** Dead letters and offsets in one transaction: both or neither. */
    private void commit(ConsumerRecords<String, byte[]> batch, List<ProducerRecord<byte[], byte[]>> letters,
                        List<ProducerRecord<byte[], byte[]>> receipts) throws RetryLater {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : batch.partitions()) {
            offsets.put(partition, new OffsetAndMetadata(batch.records(partition).getLast().offset() + 1));
        }
        if (deadLetters == null) {
            try {
                deadLetters = newDeadLetterProducer();
            } catch (KafkaException e) {
                throw new RetryLater("Kafka unavailable for the offsets: " + e.getMessage(), e);
            }
        }
        try {
            deadLetters.beginTransaction();
            for (var letter : letters) {
                deadLetters.send(letter);
            }
            receipts.forEach(deadLetters::send);
            deadLetters.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
            deadLetters.commitTransaction();
        } catch (KafkaException e) {
            // a rebalance took partitions away, or Kafka is away: abort, and read the batch again where it is ours
            try {
                deadLetters.abortTransaction();
            } catch (KafkaException abortFailed) {
                // fenced or in an unknown state: a new producer with the same id takes over and aborts what was open
                deadLetters.close(Duration.ZERO);
                deadLetters = null;
            }
            if (deadLetters == null) {
                try {
                    deadLetters = newDeadLetterProducer();
                } catch (KafkaException again) {
                    deadLetters = null;
                }
            }
            throw new RetryLater("offsets not committed: " + e.getMessage(), e);
        }
        for (var letter : letters) {
            Counter.builder("memlog_dead_letters").description("records sent to a dead-letter topic, by stage")
                    .tag("topic", DEAD_LETTERS.name()).tag("stage", DeadLetterTopic.header(letter.headers(), DeadLetterTopic.STAGE))
                    .register(metrics).increment();
        }
    }

    private KafkaProducer<byte[], byte[]> newDeadLetterProducer() {
        var producer = new KafkaProducer<>(deadLetterSettings, new ByteArraySerializer(), new ByteArraySerializer());
        try {
            producer.initTransactions();
        } catch (KafkaException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        return producer;
    }

    private static ProducerRecord<byte[], byte[]> letter(ConsumerRecord<String, byte[]> r, String stage, Throwable e) {
        log.warn("dead letter from {}-{}@{} ({}): {}", r.topic(), r.partition(), r.offset(), stage, DeadLetterTopic.describeShort(e));
        return DEAD_LETTERS.letter(r.topic(), r.partition(), r.offset(), r.timestamp(),
                r.key() == null ? null : r.key().getBytes(java.nio.charset.StandardCharsets.UTF_8), r.value(), r.headers(), stage, e);
    }

    private static long estimatedBytes(SpecificRecord value) {
        return value instanceof MemoryRecord r ? 2L * r.getText().length() + 8L * (r.getEmbedding().size()
                + r.getContextEmbedding().size()) + 4096 : 1024;
    }

    /** Indexes the changes; returns the dead letters for those the index refused for good. */
    private List<ProducerRecord<byte[], byte[]>> bulk(List<Change> changes) throws RetryLater {
        var request = new BulkRequest.Builder();
        List<Change> sources = new ArrayList<>();
        int forgetting = 0;
        int strengthChanges = 0;
        for (Change change : changes) {
            var source = change.source();
            List<BulkOperation> ops = Materialization.of(target, change.value(), source.topic(), source.partition(), source.offset());
            switch (change.value()) {
                case MemoryRecord record when record.getForgottenAt() != null || record.getDeletedAt() != null -> forgetting++;
                case MemoryStrength strength -> strengthChanges++;
                default -> {
                }
            }
            for (BulkOperation op : ops) {
                request.operations(op);
                sources.add(change);
            }
        }
        BulkResponse response;
        Timer.Sample sample = Timer.start();
        try (var spans = BulkSpans.start(changes.stream().map(c -> c.source().headers()).toList(), target.live(), sources.size())) {
            try {
                response = os.typed().bulk(request.build());
            } catch (IOException | RuntimeException e) {
                spans.failed(e);
                throw new RetryLater("OpenSearch did not take the bulk request: " + e.getMessage(), e);
            } finally {
                sample.stop(bulkTimer);
            }
        }
        List<String> retryable = new ArrayList<>();
        Map<ConsumerRecord<String, byte[]>, ProducerRecord<byte[], byte[]>> refused = new java.util.LinkedHashMap<>();
        for (int i = 0; i < response.items().size(); i++) {
            BulkResponseItem item = response.items().get(i);
            if (item.error() == null || item.status() == 409 || item.status() == 404) {
                continue; // 409: a newer version is already indexed; 404: forgetting what is already gone
            }
            if (item.status() == 429 || item.status() >= 500) {
                retryable.add(item.id() + ": " + item.error().reason());
            } else {
                Change source = sources.get(i);
                refused.computeIfAbsent(source.source(), r -> letter(r, "indexing", new IllegalArgumentException(
                        item.index() + " refused " + item.id() + " (" + item.status() + "): " + item.error().type() + ": "
                                + item.error().reason())));
            }
        }
        if (!retryable.isEmpty()) {
            throw new RetryLater(retryable.size() + " changes not indexed, e.g. " + retryable.getFirst(), null);
        }
        indexed.increment(changes.size() - strengthChanges);
        forgotten.increment(forgetting);
        strengths.increment(strengthChanges);
        return new ArrayList<>(refused.values());
    }

    private void updateLag() {
        long total = 0;
        for (var partition : consumer.assignment()) {
            var partitionLag = consumer.currentLag(partition);
            if (partitionLag.isPresent()) {
                total += partitionLag.getAsLong();
            }
        }
        lag.set(total);
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        eraser.close();
        consumerMetrics.close();
    }
}
