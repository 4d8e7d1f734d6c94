package dev.memlog.query;

import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryRecord;
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
 * Every committed memory record is in the index exactly once: documents are keyed by record id and versioned
 * externally, offsets are committed only after the bulk request succeeded, and a failed batch is retried whole.
 */
public final class RecordIndexer implements Runnable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordIndexer.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final KafkaConsumer<String, MemoryRecord> consumer;
    private final OpenSearchRest os;
    private final MemoryIndex index;
    private final KafkaClientMetrics consumerMetrics;
    private final Counter indexed;
    private final Counter rejected;
    private final Timer bulkTimer;
    private final AtomicLong lag = new AtomicLong(-1);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile boolean polling;

    public RecordIndexer(String bootstrapServers, String groupId, SchemaRegistry registry, OpenSearchRest os,
                         MemoryIndex index, MeterRegistry metrics) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // consolidation writes transactionally: never index a record from an aborted transaction
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, groupId);
        var topic = Topics.MEMORY_RECORDS;
        this.consumer = new KafkaConsumer<>(props, topic.keySerde().deserializer(), topic.valueSerde(registry).deserializer());
        this.os = os;
        this.index = index;
        this.consumerMetrics = new KafkaClientMetrics(consumer);
        consumerMetrics.bindTo(metrics);
        this.indexed = Counter.builder("memlog_materializer_records_indexed").register(metrics);
        this.rejected = Counter.builder("memlog_materializer_records_rejected").register(metrics);
        this.bulkTimer = Timer.builder("memlog_materializer_bulk").register(metrics);
        Gauge.builder("memlog_materializer_lag_records", lag, AtomicLong::get)
                .description("records in memory.records not yet indexed; -1 before the first poll").register(metrics);
        this.thread = Thread.ofPlatform().name("record-indexer").unstarted(this);
    }

    public void start() {
        consumer.subscribe(List.of(Topics.MEMORY_RECORDS.name()));
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
                ConsumerRecords<String, MemoryRecord> batch = consumer.poll(Duration.ofMillis(500));
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

    private void indexWithRetry(ConsumerRecords<String, MemoryRecord> batch) throws InterruptedException {
        List<MemoryRecord> records = new ArrayList<>(batch.count());
        for (ConsumerRecord<String, MemoryRecord> r : batch) {
            if (r.value() != null) {
                records.add(r.value());
            }
        }
        Duration backoff = Duration.ofMillis(200);
        while (running.get()) {
            try {
                bulk(records);
                return;
            } catch (RuntimeException | java.io.IOException e) {
                log.warn("bulk indexing of {} records failed, retrying in {} ms: {}", records.size(), backoff.toMillis(), e.getMessage());
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private void bulk(List<MemoryRecord> records) throws java.io.IOException {
        var request = new BulkRequest.Builder();
        for (MemoryRecord record : records) {
            request.operations(op -> op.index(i -> i.index(index.alias()).id(record.getRecordId())
                    .version((long) record.getVersion()).versionType(VersionType.ExternalGte)
                    .document(MemoryIndex.document(record))));
        }
        Timer.Sample sample = Timer.start();
        BulkResponse response = os.typed().bulk(request.build());
        sample.stop(bulkTimer);
        int ok = 0;
        List<String> retryable = new ArrayList<>();
        for (BulkResponseItem item : response.items()) {
            if (item.error() == null || item.status() == 409) {
                ok++; // 409: a newer version is already indexed
            } else if (item.status() == 429 || item.status() >= 500) {
                retryable.add(item.id() + ": " + item.error().reason());
            } else {
                rejected.increment();
                log.error("record {} rejected by the index: {}", item.id(), item.error().reason());
            }
        }
        if (!retryable.isEmpty()) {
            throw new IllegalStateException(retryable.size() + " records not indexed, e.g. " + retryable.getFirst());
        }
        indexed.increment(ok);
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
