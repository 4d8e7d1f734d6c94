package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.http.Json;
import dev.memlog.consolidation.ConsolidationRules;
import dev.memlog.consolidation.LogReplay;
import dev.memlog.schemas.KafkaConnection;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryAccess;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.RecordChange;
import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.schemas.serde.AvroSerde;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays a tenant's or one owner's log up to a moment through the consolidation code, with the platform's rules or
 * others, into a scratch index of its own, then compares what it knows with what the platform knew at that moment.
 * It reads memory.events and memory.access with no consumer group and writes to no topic and no index but its own.
 */
public final class AnalystReplay implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(AnalystReplay.class);
    private static final int BULK = 500;
    private static final int PAGE = 1000;

    /** How far a replay has got; {@code events} of {@code total} log entries read, and its diff once done. */
    public record Progress(String replayId, String state, String scratchIndex, String tenantId, String userId,
                           String agentId, Instant until, Map<String, String> rules, long events, long total,
                           long replayed, long derived, long deadLetters, double eventsPerSecond, Long etaSeconds,
                           Instant startedAt, Instant finishedAt, String error, ReplayDiff diff) {
    }

    private final String id = UUID.randomUUID().toString();
    private final ReplayRequest request;
    private final ConsolidationRules rules;
    private final KafkaConnection kafka;
    private final AvroFormat format;
    private final Embedders embedders;
    private final OpenSearchRest os;
    private final MemoryIndex index;
    private final String asOf;
    private final int shards;
    private final String scratch;
    private final Path stateDir;
    private final AtomicLong replayed = new AtomicLong();
    private final AtomicLong derived = new AtomicLong();
    private volatile long total;
    private volatile long deadLetters;
    private volatile String state = "starting";
    private volatile String error;
    private volatile ReplayDiff diff;
    private volatile Instant finishedAt;
    private final Instant startedAt = Instant.now();
    private final long startedNanos = System.nanoTime();
    /** Log entries passed, as the replay's own thread last counted them. */
    private volatile long events;

    AnalystReplay(ReplayRequest request, ConsolidationRules rules, KafkaConnection kafka, AvroFormat format,
                  Embedders embedders, OpenSearchRest os, MemoryIndex index, AsOfIndex asOf, int shards,
                  Path stateRoot) {
        this.request = request;
        this.rules = rules;
        this.kafka = kafka;
        this.format = format;
        this.embedders = embedders;
        this.os = os;
        this.index = index;
        this.asOf = asOf.name();
        this.shards = shards;
        this.scratch = index.alias() + "-replay-" + id.substring(0, 8);
        this.stateDir = stateRoot.resolve("memlog-replay-" + id);
    }

    String id() {
        return id;
    }

    String tenant() {
        return request.tenantId();
    }

    public Progress progress() {
        long read = Math.min(total, events);
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        double rate = seconds > 0 ? read / seconds : 0;
        Long eta = rate > 0 && finishedAt == null ? (long) Math.ceil(Math.max(0, total - read) / rate) : null;
        return new Progress(id, state, scratch, request.tenantId(), request.userId(), request.agentId(), request.until(),
                request.rules(), read, total, replayed.get(), derived.get(), deadLetters, Math.round(rate * 10) / 10.0, eta,
                startedAt, finishedAt, error, diff);
    }

    public boolean finished() {
        return finishedAt != null;
    }

    @Override
    public void run() {
        try {
            // the model of the generation in use, so what the replay derives compares with what is known
            EmbeddingProvider embeddings = embedders.of(index.generations().current().model());
            index.createScratch(scratch, embeddings.modelId(), embeddings.dimension(), shards, 0);
            os.call("PUT", "/" + scratch + "/_settings", "{\"index\":{\"refresh_interval\":\"-1\"}}");
            Files.createDirectories(stateDir);
            log.info("replay {} of {} up to {} into {} ({})", id, request.describe(), request.until() == null ? "now"
                    : request.until(), scratch, rules);
            try (var replay = new LogReplay(format, rules, embeddings, stateDir, id);
                 var log = new TimeOrderedLog(kafka, partitions(), "memlog-replay-" + id)) {
                total = log.total();
                state = "replaying";
                replayFrom(log, replay);
                events = log.position();
                deadLetters = replay.deadLetters();
            }
            state = "comparing";
            os.call("POST", "/" + scratch + "/_refresh", null);
            diff = ReplayDiff.of(memories(scratch, false), memories(request.until() == null ? index.alias() : asOf,
                    request.until() != null));
            state = "done";
            AnalystReplay.log.info("replay {} done: {} derived into {}; {} same, {} only in the replay, {} only in the platform",
                    id, derived.get(), scratch, diff.same(), diff.onlyInReplayCount(), diff.onlyInReferenceCount());
        } catch (RuntimeException | IOException | InterruptedException e) {
            log.error("replay {} failed while {}", id, state, e);
            state = "failed";
            error = e.getMessage();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            deleteState();
            finishedAt = Instant.now();
        }
    }

    /** Deletes the scratch index: a replay leaves nothing behind. */
    void tearDown() {
        if (os.exists("/" + scratch)) {
            os.call("DELETE", "/" + scratch, null);
        }
        state = finished() ? "torn down" : state;
    }

    private void replayFrom(TimeOrderedLog log, LogReplay replay) throws IOException, InterruptedException {
        var eventSerde = Topics.MEMORY_EVENTS.valueSerde(format);
        AvroSerde<MemoryAccess> accessSerde = Topics.MEMORY_ACCESS.valueSerde(format);
        String ownerKey = request.ownerKey();
        String tenantPrefix = request.tenantId() + MemoryOwner.SEPARATOR;
        List<BulkOperation> batch = new ArrayList<>();
        long seen = 0;
        for (ConsumerRecord<byte[], byte[]> r = log.next(); r != null; r = log.next()) {
            if (++seen % 100 == 0) {
                events = log.position(); // the consumer is this thread's alone: progress reads the count
                deadLetters = replay.deadLetters();
            }
            if (r.key() == null || r.value() == null) {
                continue;
            }
            String key = new String(r.key(), StandardCharsets.UTF_8);
            if (ownerKey != null ? !ownerKey.equals(key) : !key.startsWith(tenantPrefix)) {
                continue;
            }
            boolean event = r.topic().equals(Topics.MEMORY_EVENTS.name());
            Instant effective;
            try {
                effective = event ? effectiveAt(eventSerde.deserialize(r.value())) : effectiveAt(accessSerde.deserialize(r.value()));
            } catch (RuntimeException unreadable) {
                effective = Instant.ofEpochMilli(r.timestamp()); // the consolidation makes it a dead letter, as it did live
            }
            if (effective == null || (request.until() != null && effective.isAfter(request.until()))) {
                continue; // sealed for an owner since erased, or after the moment replayed to
            }
            replayed.incrementAndGet();
            for (MemoryRecord record : replay.feed(r.topic(), r.key(), r.value(), Instant.ofEpochMilli(r.timestamp()), r.headers())) {
                derived.incrementAndGet();
                if (record.getChange() == RecordChange.ERASED) {
                    RetryingBulk.write(os, scratch, batch);
                    IndexEraser.deleteAll(os, scratch, IndexEraser.ownerQuery(record));
                } else {
                    batch.add(MemoryIndex.liveOperation(scratch, record));
                }
            }
            if (batch.size() >= BULK) {
                RetryingBulk.write(os, scratch, batch);
            }
        }
        RetryingBulk.write(os, scratch, batch);
    }

    /**
     * When an input took effect, in the terms the as-of index dates versions by: a turn or memory when it happened, a
     * deletion or erasure when it was received, a use when it was made; null for a value sealed for an erased owner.
     */
    static Instant effectiveAt(MemoryEvent e) {
        if (e == null) {
            return null;
        }
        return e.getKind() == EventKind.DELETION || e.getKind() == EventKind.ERASURE ? e.getReceivedAt() : e.getOccurredAt();
    }

    static Instant effectiveAt(MemoryAccess a) {
        if (a == null) {
            return null;
        }
        return a.getEventTime() != null ? a.getEventTime() : a.getOccurredAt();
    }

    /** The partitions the scope's inputs are in: one of each topic for an owner (its key's), all for a tenant. */
    private List<TopicPartition> partitions() {
        List<TopicPartition> partitions = new ArrayList<>();
        try (var admin = org.apache.kafka.clients.admin.Admin.create(kafka.properties())) {
            var topics = admin.describeTopics(List.of(Topics.MEMORY_EVENTS.name(), Topics.MEMORY_ACCESS.name()))
                    .allTopicNames().get();
            String ownerKey = request.ownerKey();
            topics.forEach((name, description) -> {
                int count = description.partitions().size();
                if (ownerKey == null) {
                    description.partitions().forEach(p -> partitions.add(new TopicPartition(name, p.partition())));
                } else {
                    // where the producers put the owner's key: Kafka's default partitioner
                    partitions.add(new TopicPartition(name, Utils.toPositive(Utils.murmur2(ownerKey.getBytes(StandardCharsets.UTF_8))) % count));
                }
            });
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("Kafka did not describe the log's topics: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return partitions;
    }

    /**
     * The memories an index knows in the replay's scope: in the scratch or live index those valid now, in the as-of
     * index those in effect and valid at {@code until}.
     */
    private Map<String, ReplayDiff.Memory> memories(String target, boolean asOfUntil) {
        ObjectNode body = Json.mapper().createObjectNode();
        ArrayNode filter = body.putObject("query").putObject("bool").putArray("filter");
        filter.addObject().putObject("term").put("tenant_id", request.tenantId());
        if (request.userId() != null) {
            filter.addObject().putObject("term").put("user_id", request.userId());
        } else if (request.agentId() != null) {
            filter.addObject().putObject("term").put("agent_id", request.agentId());
            filter.addObject().putObject("bool").putObject("must_not").putObject("exists").put("field", "user_id");
        }
        if (asOfUntil) {
            AsOfIndex.knownAt(filter, request.until()); // what as_of searches at that moment
        } else {
            filter.addObject().putObject("bool").putObject("must_not").putObject("exists").put("field", "valid_to");
        }
        body.put("size", PAGE).putArray("_source").add("record_id").add("tier").add("text").add("importance").add("version");
        body.putArray("sort").add("record_id").add(Json.mapper().createObjectNode().put("version", "desc"));
        Map<String, ReplayDiff.Memory> out = new HashMap<>();
        JsonNode after = null;
        while (true) {
            if (after != null) {
                body.set("search_after", after);
            }
            JsonNode hits = os.call("POST", "/" + target + "/_search", body.toString()).path("hits").path("hits");
            for (JsonNode hit : hits) {
                JsonNode src = hit.path("_source");
                // the highest version first: a memory is what its latest version in effect says
                out.putIfAbsent(src.path("record_id").asText(), new ReplayDiff.Memory(src.path("record_id").asText(),
                        src.path("tier").asText(), src.path("text").asText(null), src.path("importance").asDouble()));
            }
            if (hits.size() < PAGE) {
                return out;
            }
            after = hits.get(hits.size() - 1).path("sort");
        }
    }

    private void deleteState() {
        if (!Files.exists(stateDir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(stateDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("replay {} left its state in {}: {}", id, stateDir, e.getMessage());
        }
    }
}
