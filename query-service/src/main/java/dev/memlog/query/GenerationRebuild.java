package dev.memlog.query;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.schemas.Derivation;
import dev.memlog.schemas.KafkaConnection;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import dev.memlog.schemas.avro.RecordChange;
import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.schemas.serde.AvroSerde;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the next generation of the indexes from a derivation's topics, then points the alias at it in one request:
 * every query during the rebuild reads a whole generation, and none fails. From the same derivation with the same
 * model only the live index is built again (a mapping, analyzer or shard change, a fix in how records become
 * documents): records keep their vectors, so nothing is embedded again. From another derivation (a consolidation
 * with a new model or changed rules, run beside the first from the start of the log) every index is built, and the
 * swap waits until that consolidation has caught up with the log. The new generation's materializer group starts
 * where the rebuild stopped reading, so nothing appended meanwhile is lost. It reads the log with no consumer group and
 * writes nothing to Kafka but that group's starting offsets.
 */
public final class GenerationRebuild implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(GenerationRebuild.class);
    private static final int BULK = 500;

    /** What an operator asks for; null fields keep what the generation in use has. */
    record Request(Derivation derivation, String embeddingModel, String consolidationGroup) {
        static Request same() {
            return new Request(null, null, null);
        }
    }

    /** How far a rebuild has got; {@code total} is the records to read before the swap. */
    public record Progress(String rebuildId, String state, String from, String to, String derivation, String embeddingModel,
                           boolean everyIndex, long records, long total, long skipped, Long consolidationLag,
                           double recordsPerSecond, Long etaSeconds, Instant startedAt, Instant finishedAt, String error) {
    }

    private final String id = UUID.randomUUID().toString();
    private final Request request;
    private final KafkaConnection kafka;
    private final AvroFormat format;
    private final OpenSearchRest os;
    private final Generations generations;
    private final Embedders embedders;
    private final int shards;
    private final int replicas;
    private final int workers;
    private final Consumer<Generation> swapped;
    private final AtomicLong read = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private volatile long total;
    private volatile Long consolidationLag;
    private volatile String state = "starting";
    private volatile Generation from;
    private volatile Generation to;
    private volatile String error;
    private volatile boolean cancelled;
    private volatile Instant finishedAt;
    private final Instant startedAt = Instant.now();
    private final long startedNanos = System.nanoTime();

    /**
     * @param workers   how many partitions are copied at once, each in order (one bulk request in flight per worker)
     * @param swapped   told of the new generation once the alias points to it (this instance's materializer)
     */
    GenerationRebuild(Request request, KafkaConnection kafka, AvroFormat format, OpenSearchRest os, Generations generations,
                      Embedders embedders, int shards, int replicas, int workers, Consumer<Generation> swapped) {
        this.request = request;
        this.kafka = kafka;
        this.format = format;
        this.os = os;
        this.generations = generations;
        this.embedders = embedders;
        this.shards = shards;
        this.replicas = replicas;
        this.workers = Math.max(1, workers);
        this.swapped = swapped;
    }

    public Progress progress() {
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        double rate = seconds > 0 ? read.get() / seconds : 0;
        Long eta = rate > 0 && finishedAt == null ? (long) Math.ceil(Math.max(0, total - read.get()) / rate) : null;
        Generation target = to;
        return new Progress(id, state, from == null ? null : from.live(), target == null ? null : target.live(),
                target == null ? null : target.derivation().name(), target == null ? null : target.model(),
                target != null && from != null && target.ownsLifecycle(from), read.get(), total, skipped.get(),
                consolidationLag, Math.round(rate * 10) / 10.0, eta, startedAt, finishedAt, error);
    }

    public boolean finished() {
        return finishedAt != null;
    }

    /** Stops the rebuild before its swap; what it built is deleted, and the alias stays where it is. */
    void cancel() {
        cancelled = true;
    }

    private void checkCancelled() {
        if (cancelled) {
            throw new java.util.concurrent.CancellationException("cancelled");
        }
    }

    @Override
    public void run() {
        try (Admin admin = Admin.create(kafka.properties())) {
            from = generations.refresh();
            Derivation derivation = request.derivation() == null ? from.derivation() : request.derivation();
            String model = request.embeddingModel() == null ? from.model() : request.embeddingModel();
            if (derivation.equals(from.derivation()) && !model.equals(from.model())) {
                throw new IllegalArgumentException("the records of " + derivation + " are embedded with " + from.model()
                        + ": a new model needs a new derivation, whose consolidation embeds them again");
            }
            // the model queries will be embedded with once the alias points to the new generation, loaded now
            EmbeddingProvider embedding = embedders.of(model);
            Generation next = from.next(generations.nextNumber(from), model, embedding.dimension(), derivation,
                    generations.baseGroup());
            boolean everyIndex = next.ownsLifecycle(from);
            List<TopicPartition> partitions = partitions(admin, derivation, everyIndex);
            // no replica while it is filled: each document is indexed once, and copied to replicas as segments after
            generations.create(next, from, shards, 0);
            to = next;
            log.info("rebuilding {} into {} from {} ({}; {})", generations.alias(), next.live(), derivation.records().name(),
                    everyIndex ? "every index, model " + model : "the live index", from.live());
            Map<TopicPartition, Long> position = new ConcurrentHashMap<>();
            partitions.forEach(p -> position.put(p, 0L));
            state = "copying";
            copyUntil(endOffsets(admin, partitions), position, next, everyIndex);
            if (everyIndex) {
                String group = request.consolidationGroup() == null ? derivation.consolidationApplicationId()
                        : request.consolidationGroup();
                state = "waiting for " + group;
                // the log goes on being appended to: copy what the derivation adds until its consolidation is caught up
                while (true) {
                    checkCancelled();
                    long lag = consolidationLag(admin, group);
                    consolidationLag = lag;
                    Map<TopicPartition, Long> end = endOffsets(admin, partitions);
                    if (lag <= 0 && position.equals(end)) {
                        break;
                    }
                    copyUntil(end, position, next, true);
                    Thread.sleep(lag <= 0 ? 100 : 250);
                }
            }
            checkCancelled();
            state = "swapping";
            String names = String.join(",", built(next, everyIndex));
            // what was copied must be searchable before the alias points at it, or queries just after the swap miss it
            os.call("POST", "/" + names + "/_refresh", null);
            if (replicas > 0) {
                os.call("PUT", "/" + names + "/_settings", "{\"index\":{\"number_of_replicas\":" + replicas + "}}");
                os.call("GET", "/_cluster/health/" + names, null, Map.of("wait_for_status", "green", "timeout", "120s"));
            }
            startGroupAt(admin, next.group(), position);
            generations.swap(from, next);
            swapped.accept(next);
            state = "done";
            log.info("rebuild done: {} now points to {} ({} records; {} kept for rollback)", generations.alias(), next.live(),
                    read.get(), from.live());
        } catch (java.util.concurrent.CancellationException e) {
            state = "cancelled";
            deleteBuilt();
        } catch (RuntimeException | InterruptedException | java.util.concurrent.ExecutionException e) {
            log.error("rebuild of {} failed while {}; queries read what the alias points to", generations.alias(), state, e);
            state = "failed";
            error = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause().getMessage()
                    : e.getMessage();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            finishedAt = Instant.now();
        }
    }

    private static List<String> built(Generation g, boolean everyIndex) {
        return everyIndex ? List.of(g.live(), g.asOf(), g.history(), g.strength(), g.strengthLives()) : List.of(g.live());
    }

    private void deleteBuilt() {
        Generation target = to;
        if (target != null && from != null) {
            try {
                os.call("DELETE", "/" + String.join(",", built(target, target.ownsLifecycle(from))), null);
                log.info("rebuild into {} cancelled; what it built is deleted", target.live());
            } catch (RuntimeException e) {
                log.warn("rebuild into {} cancelled; delete its indexes by hand: {}", target.live(), e.getMessage());
            }
        }
    }

    private static List<TopicPartition> partitions(Admin admin, Derivation derivation, boolean withStrength)
            throws InterruptedException, java.util.concurrent.ExecutionException {
        List<String> topics = withStrength ? List.of(derivation.records().name(), derivation.strength().name())
                : List.of(derivation.records().name());
        Set<String> existing = admin.listTopics().names().get();
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : topics) {
            if (!existing.contains(topic)) {
                throw new IllegalStateException("no topic " + topic + ": start consolidation-streams with DERIVATION="
                        + derivation.name() + " first, and rebuild once it has derived the log");
            }
        }
        admin.describeTopics(topics).allTopicNames().get().forEach((name, d) -> d.partitions()
                .forEach(p -> partitions.add(new TopicPartition(name, p.partition()))));
        return partitions;
    }

    /** Where each partition ends for a read-committed reader: the last stable offset. */
    private Map<TopicPartition, Long> endOffsets(Admin admin, List<TopicPartition> partitions)
            throws InterruptedException, java.util.concurrent.ExecutionException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
        Map<TopicPartition, Long> end = new HashMap<>();
        admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
                .forEach((p, info) -> end.put(p, info.offset()));
        total = end.values().stream().mapToLong(Long::longValue).sum();
        return end;
    }

    /** Copies every partition from where it is up to {@code end}, {@link #workers} requests in flight. */
    private void copyUntil(Map<TopicPartition, Long> end, Map<TopicPartition, Long> position, Generation target,
                           boolean everyIndex) throws InterruptedException, java.util.concurrent.ExecutionException {
        List<TopicPartition> behind = end.keySet().stream().filter(p -> position.get(p) < end.get(p)).toList();
        if (behind.isEmpty()) {
            return;
        }
        var records = target.derivation().records().valueSerde(format);
        var strengths = target.derivation().strength().valueSerde(format);
        try (var consumer = consumer("copy"); var bulks = new PartitionOrderedBulks(BULK, workers, this::flush)) {
            consumer.assign(behind);
            behind.forEach(p -> consumer.seek(p, position.get(p)));
            while (behind.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                checkCancelled();
                for (var r : consumer.poll(Duration.ofMillis(500))) {
                    var partition = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() >= end.get(partition)) {
                        continue; // past where this pass stops: the next pass reads it from there
                    }
                    read.incrementAndGet();
                    boolean strength = r.topic().equals(target.derivation().strength().name());
                    SpecificRecord value = strength ? read(strengths, r.value()) : read(records, r.value());
                    if (value instanceof MemoryRecord record && record.getChange() == RecordChange.ERASED) {
                        // everything of the erased owner copied so far goes first; it cannot come back, its keys are gone
                        bulks.drain();
                        IndexEraser.deleteAll(os, String.join(",", built(target, everyIndex)), IndexEraser.ownerQuery(record));
                    } else if (value instanceof MemoryRecord record) {
                        if (everyIndex) {
                            refuseAnotherModel(record, target);
                        }
                        bulks.add(partition, everyIndex ? Materialization.of(target, record, r.topic(), r.partition(), r.offset())
                                : List.of(MemoryIndex.liveOperation(target.live(), record)));
                    } else if (value instanceof MemoryStrength change) {
                        bulks.add(partition, Materialization.of(target, change, r.topic(), r.partition(), r.offset()));
                    }
                }
            }
            bulks.drain();
        }
        behind.forEach(p -> position.put(p, end.get(p)));
    }

    /** A record embedded with another model than the generation's would make its vector scores meaningless. */
    private static void refuseAnotherModel(MemoryRecord record, Generation target) {
        if (!record.getEmbedding().isEmpty() && !target.model().equals(record.getEmbeddingModel())) {
            throw new IllegalStateException(target.derivation() + " holds record " + record.getRecordId()
                    + " embedded with " + record.getEmbeddingModel() + ", not " + target.model()
                    + ": name the model its consolidation runs (embedding_model)");
        }
    }

    /** A record that cannot be read was a dead letter of the materializer already; one sealed for an erased owner is gone. */
    private <T extends SpecificRecord> T read(AvroSerde<T> serde, byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return serde.deserialize(value);
        } catch (RuntimeException e) {
            skipped.incrementAndGet();
            return null;
        }
    }

    private void flush(List<BulkOperation> batch) throws IOException, InterruptedException {
        skipped.addAndGet(RetryingBulk.write(os, to.live(), new ArrayList<>(batch)));
    }

    /** How far the derivation's consolidation is behind the log (memory.events and memory.access); the log's end if it has not begun. */
    private static long consolidationLag(Admin admin, String group)
            throws InterruptedException, java.util.concurrent.ExecutionException {
        var topics = admin.describeTopics(List.of(Topics.MEMORY_EVENTS.name(), Topics.MEMORY_ACCESS.name()))
                .allTopicNames().get();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        topics.forEach((name, d) -> d.partitions().forEach(p -> latest.put(new TopicPartition(name, p.partition()),
                OffsetSpec.latest())));
        var ends = admin.listOffsets(latest).all().get();
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        long lag = 0;
        for (var e : ends.entrySet()) {
            OffsetAndMetadata at = committed.get(e.getKey());
            long behind = e.getValue().offset() - (at == null ? 0 : at.offset());
            // a transaction's commit marker follows its last record: one offset no consumer commits past
            lag += Math.max(0, behind - (at == null ? 0 : 1));
        }
        return lag;
    }

    /** The new generation's materializer group starts where this rebuild stopped reading. */
    private static void startGroupAt(Admin admin, String group, Map<TopicPartition, Long> position)
            throws InterruptedException, java.util.concurrent.ExecutionException {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        position.forEach((p, offset) -> offsets.put(p, new OffsetAndMetadata(offset)));
        admin.alterConsumerGroupOffsets(group, offsets).all().get();
    }

    private KafkaConsumer<byte[], byte[]> consumer(String role) {
        Properties props = kafka.properties();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "memlog-rebuild-" + id.substring(0, 8) + "-" + role);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
