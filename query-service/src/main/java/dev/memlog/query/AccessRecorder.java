package dev.memlog.query;

import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.KafkaConnection;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.AccessKind;
import dev.memlog.schemas.avro.AccessedMemory;
import dev.memlog.schemas.avro.MemoryAccess;
import dev.memlog.schemas.registry.SchemaRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What retrieval returned goes to memory.access after the response, on a thread of its own, so reinforcement never
 * slows a search; what an agent reports using is appended and acknowledged like any event. Either way the access is
 * one event per memory owner, keyed by the owner, so consolidation reads it beside that owner's memories.
 */
final class AccessRecorder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessRecorder.class);
    static final int MAX_QUERY_CHARS = 500;
    private static final int QUEUE = 10_000;

    /** One memory returned or judged: the owner it belongs to, its record id, and for retrievals its rank and score. */
    record Accessed(String userId, String agentId, String recordId, Integer rank, Double score) {
    }

    private final KafkaProducer<String, MemoryAccess> producer;
    private final ThreadPoolExecutor sender;
    private final Counter recorded;
    private final Counter dropped;

    AccessRecorder(KafkaConnection kafka, AvroFormat format, MeterRegistry metrics) {
        this.producer = Topics.MEMORY_ACCESS.producer(kafka, format, "query-service-access", 20);
        // a bounded queue: when Kafka is away, retrievals go on and the oldest news of them is not worth blocking for
        this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE),
                Thread.ofVirtual().name("access-recorder").factory(), (task, pool) -> droppedOne());
        this.recorded = Counter.builder("memlog_access_events_recorded").register(metrics);
        this.dropped = Counter.builder("memlog_access_events_dropped")
                .description("retrievals not recorded because the queue to Kafka was full or Kafka failed").register(metrics);
    }

    private void droppedOne() {
        dropped.increment();
    }

    /** Records, after the caller has its answer, that these memories were retrieved for {@code query}. */
    void retrieved(String tenant, String requestId, String query, List<Accessed> memories) {
        if (memories.isEmpty()) {
            return;
        }
        Instant at = Instant.now();
        String q = query.length() > MAX_QUERY_CHARS ? query.substring(0, MAX_QUERY_CHARS) : query;
        sender.execute(() -> {
            for (MemoryAccess access : perOwner(tenant, AccessKind.RETRIEVED, requestId, q, at, null, memories)) {
                producer.send(record(access), (meta, error) -> {
                    if (error == null) {
                        recorded.increment();
                    } else {
                        dropped.increment();
                        log.warn("access event {} not recorded: {}", access.getAccessId(), error.toString());
                    }
                });
            }
        });
    }

    /**
     * Appends an agent's report on memories and waits for Kafka to acknowledge it.
     *
     * @param feedbackId the client's idempotency key, or null
     * @param usedAt when the memories were used by the client's account, or null for now
     * @return the access id
     * @throws IllegalStateException when Kafka does not acknowledge in time
     */
    String reported(String tenant, AccessKind kind, String requestId, String feedbackId, Instant usedAt, List<Accessed> memories) {
        List<MemoryAccess> accesses = perOwner(tenant, kind, requestId, null, Instant.now(), usedAt, memories);
        if (feedbackId != null && accesses.size() == 1) {
            // the client's id, so a retried report is recognised downstream as the same access
            accesses = List.of(MemoryAccess.newBuilder(accesses.getFirst()).setAccessId(tenant + ":" + feedbackId).build());
        }
        try {
            for (MemoryAccess access : accesses) {
                producer.send(record(access)).get(30, TimeUnit.SECONDS);
                recorded.increment();
            }
        } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
            throw new IllegalStateException("the access log did not acknowledge the feedback: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while appending feedback", e);
        }
        return accesses.getFirst().getAccessId();
    }

    /** @param eventTime when it happened by the client's account, on the owner's timeline; null when now applies */
    private static List<MemoryAccess> perOwner(String tenant, AccessKind kind, String requestId, String query, Instant at,
                                               Instant eventTime, List<Accessed> memories) {
        // one access per owner and agent: an access naming a user and an agent reaches that agent's share only
        record Named(MemoryOwner owner, String agentId) {
        }
        Map<Named, List<AccessedMemory>> byOwner = new LinkedHashMap<>();
        for (Accessed m : memories) {
            byOwner.computeIfAbsent(new Named(MemoryOwner.of(tenant, m.userId(), m.agentId()), m.agentId()), o -> new ArrayList<>())
                    .add(AccessedMemory.newBuilder().setRecordId(m.recordId()).setRank(m.rank()).setScore(m.score()).build());
        }
        List<MemoryAccess> accesses = new ArrayList<>();
        byOwner.forEach((named, items) -> accesses.add(MemoryAccess.newBuilder().setAccessId(UUID.randomUUID().toString())
                .setTenantId(tenant).setUserId(named.owner().kind() == MemoryOwner.Kind.USER ? named.owner().id() : null)
                .setAgentId(named.agentId()).setKind(kind)
                .setRequestId(requestId).setQuery(query).setOccurredAt(at).setEventTime(eventTime).setMemories(items).build()));
        return accesses;
    }

    /** Keyed by owner, timed when the platform observed it: consolidation's stream time is the platform's. */
    private static ProducerRecord<String, MemoryAccess> record(MemoryAccess access) {
        String owner = MemoryOwner.of(access.getTenantId(), access.getUserId(), access.getAgentId()).key();
        return new ProducerRecord<>(Topics.MEMORY_ACCESS.name(), null, access.getOccurredAt().toEpochMilli(), owner, access);
    }

    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
    }
}
