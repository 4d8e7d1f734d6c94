package dev.memlog.query;

import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import dev.memlog.schemas.registry.SchemaRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.opensearch.client.opensearch._types.VersionType;
import org.opensearch.client.opensearch.core.BulkRequest;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every committed memory record is in the index exactly once, and gone from it once forgotten: documents are keyed by
 * record id and versioned externally, every version also lands in the history index and every change of a memory's
 * use history in the strength index; offsets are committed only after the bulk request succeeded, and a failed batch
 * is retried whole.
 */
public final class RecordIndexer implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordIndexer.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final KafkaConsumer<String, SpecificRecord> consumer;
    private final OpenSearchRest os;
    private final MemoryIndex index;
    private final LifecycleIndexes lifecycle;
    private final Counter forgotten;
    private final Counter strengths;
    private final KafkaClientMetrics consumerMetrics;
    private final Counter indexed;
    private final Counter rejected;
    private final Timer bulkTimer;
    private final AtomicLong lag = new AtomicLong(-1);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile boolean polling;

    public RecordIndexer(String bootstrapServers, String groupId, SchemaRegistry registry, OpenSearchRest os,
                         MemoryIndex index, LifecycleIndexes lifecycle, MeterRegistry metrics) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // consolidation writes transactionally: never index a record from an aborted transaction
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, groupId);
        var records = Topics.MEMORY_RECORDS.valueSerde(registry).deserializer();
        var strengthChanges = Topics.MEMORY_STRENGTH.valueSerde(registry).deserializer();
        // one consumer for both topics, each value read with its own topic's schema
        Deserializer<SpecificRecord> values = (topic, data) -> topic.equals(Topics.MEMORY_STRENGTH.name())
                ? strengthChanges.deserialize(topic, data) : records.deserialize(topic, data);
        this.consumer = new KafkaConsumer<>(props, Topics.MEMORY_RECORDS.keySerde().deserializer(), values);
        this.os = os;
        this.index = index;
        this.lifecycle = lifecycle;
        this.forgotten = Counter.builder("memlog_materializer_records_forgotten")
                .description("memories removed from the live index because they were forgotten").register(metrics);
        this.strengths = Counter.builder("memlog_materializer_strengths_indexed").register(metrics);
        this.consumerMetrics = new KafkaClientMetrics(consumer);
        consumerMetrics.bindTo(metrics);
        this.indexed = Counter.builder("memlog_materializer_records_indexed").register(metrics);
        this.rejected = Counter.builder("memlog_materializer_records_rejected").register(metrics);
        this.bulkTimer = Timer.builder("memlog_materializer_bulk").register(metrics);
        Gauge.builder("memlog_materializer_lag_records", lag, AtomicLong::get)
                .description("changes in memory.records and memory.strength not yet indexed; -1 before the first poll")
                .register(metrics);
        this.thread = Thread.ofPlatform().name("record-indexer").unstarted(this);
    }

    public void start() {
        consumer.subscribe(List.of(Topics.MEMORY_RECORDS.name(), Topics.MEMORY_STRENGTH.name()));
        thread.start();
    }

    /** True while the loop runs and has joined its group. */
    public boolean healthy() {
        return thread.isAlive() && polling;
    }

    public long lag() {
        return lag.get();
    }

    @Override
    public void run() {
        try {
            while (running.get()) {
                ConsumerRecords<String, SpecificRecord> batch = consumer.poll(Duration.ofMillis(500));
                polling = true;
                if (!batch.isEmpty()) {
                    indexWithRetry(batch);
                    consumer.commitSync();
                }
                updateLag();
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("record indexer stopped", e);
        } finally {
            polling = false;
            consumer.close(Duration.ofSeconds(5));
        }
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

    private void indexWithRetry(ConsumerRecords<String, SpecificRecord> batch) throws InterruptedException {
        List<SpecificRecord> values = new ArrayList<>(batch.count());
        for (ConsumerRecord<String, SpecificRecord> r : batch) {
            if (r.value() != null) {
                values.add(r.value());
            }
        }
        Duration backoff = Duration.ofMillis(200);
        while (running.get()) {
            try {
                bulk(values);
                return;
            } catch (RuntimeException | java.io.IOException e) {
                log.warn("bulk indexing of {} changes failed, retrying in {} ms: {}", values.size(), backoff.toMillis(), e.getMessage());
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private void bulk(List<SpecificRecord> values) throws java.io.IOException {
        var request = new BulkRequest.Builder();
        int forgetting = 0;
        int strengthChanges = 0;
        for (SpecificRecord value : values) {
            switch (value) {
                case MemoryRecord record when record.getForgottenAt() != null -> {
                    request.operations(op -> op.delete(d -> d.index(index.alias()).id(record.getRecordId())
                            .version((long) record.getVersion()).versionType(VersionType.ExternalGte)));
                    forgetting++;
                }
                case MemoryRecord record -> request.operations(op -> op.index(i -> i.index(index.alias())
                        .id(record.getRecordId()).version((long) record.getVersion()).versionType(VersionType.ExternalGte)
                        .document(MemoryIndex.document(record))));
                case MemoryStrength strength -> {
                    request.operations(op -> op.index(i -> i.index(lifecycle.strength()).id(strength.getRecordId())
                            .document(LifecycleIndexes.strengthDocument(strength))));
                    strengthChanges++;
                }
                default -> throw new IllegalStateException("unexpected value " + value.getClass());
            }
            if (value instanceof MemoryRecord record) {
                request.operations(op -> op.index(i -> i.index(lifecycle.history()).id(LifecycleIndexes.historyId(record))
                        .document(LifecycleIndexes.historyDocument(record))));
            }
        }
        Timer.Sample sample = Timer.start();
        BulkResponse response = os.typed().bulk(request.build());
        sample.stop(bulkTimer);
        List<String> retryable = new ArrayList<>();
        for (BulkResponseItem item : response.items()) {
            if (item.error() == null || item.status() == 409 || item.status() == 404) {
                continue; // 409: a newer version is already indexed; 404: forgetting what is already gone
            } else if (item.status() == 429 || item.status() >= 500) {
                retryable.add(item.id() + ": " + item.error().reason());
            } else {
                rejected.increment();
                log.error("{} {} rejected by the index: {}", item.index(), item.id(), item.error().reason());
            }
        }
        if (!retryable.isEmpty()) {
            throw new IllegalStateException(retryable.size() + " changes not indexed, e.g. " + retryable.getFirst());
        }
        indexed.increment(values.size() - strengthChanges);
        forgotten.increment(forgetting);
        strengths.increment(strengthChanges);
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
        consumerMetrics.close();
    }
}
