package dev.memlog.schemas;

import dev.memlog.schemas.avro.MemoryAccess;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import dev.memlog.schemas.avro.SessionBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The one registry of topics. Every topic is keyed by {@link MemoryOwner#key()}, so all that one memory owner
 * has lands in one partition of every topic: dedup and supersession are local state-store lookups.
 */
public final class Topics {

    /** The log of record: appended by ingest-service, kept forever, replayed to re-derive memory. */
    public static final Topic<String, MemoryEvent> MEMORY_EVENTS = new Topic<>(
            "memory.events", Serdes.String(), MemoryEvent.class,
            Map.of("retention.ms", "-1", "cleanup.policy", "delete", "min.insync.replicas", "1"));

    /** Derived memory records, every version kept, so history and time travel can read them back. */
    public static final Topic<String, MemoryRecord> MEMORY_RECORDS = new Topic<>(
            "memory.records", Serdes.String(), MemoryRecord.class,
            Map.of("retention.ms", "-1", "cleanup.policy", "delete", "min.insync.replicas", "1"));

    /**
     * What retrieval returned and what agents said they used: appended by query-service, kept forever, because
     * strengths are re-derived from it as records are from memory.events.
     */
    public static final Topic<String, MemoryAccess> MEMORY_ACCESS = new Topic<>(
            "memory.access", Serdes.String(), MemoryAccess.class,
            Map.of("retention.ms", "-1", "cleanup.policy", "delete", "min.insync.replicas", "1"));

    /** Each memory's use history as it changes, for retrieval to weigh strength: derived by consolidation. */
    public static final Topic<String, MemoryStrength> MEMORY_STRENGTH = new Topic<>(
            "memory.strength", Serdes.String(), MemoryStrength.class,
            Map.of("retention.ms", "-1", "cleanup.policy", "delete", "min.insync.replicas", "1"));

    /** Consolidation's use history of every live memory, for decay and forgetting: a state store. */
    public static final StateStore<MemoryStrength> STRENGTHS = new StateStore<>("memory-strength", MemoryStrength.class);

    /** The newest version of every live memory without its embeddings, so forgetting can write its last version. */
    public static final StateStore<MemoryRecord> LIVE_RECORDS = new StateStore<>("live-records", MemoryRecord.class);

    /** Consolidation's buffer of each session's unsummarized turns: a state store, its changelog in the registry. */
    public static final StateStore<SessionBuffer> SESSION_BUFFERS = new StateStore<>("session-buffer", SessionBuffer.class);

    /** Working memory: each session's most recent turns within a token bound, read by query-service. A state store. */
    public static final StateStore<SessionBuffer> WORKING_MEMORY = new StateStore<>("working-memory", SessionBuffer.class);

    /** Consolidation's live facts and instructions per owner, for reinforcement and supersession: a state store. */
    public static final StateStore<MemoryRecord> OWNER_FACTS = new StateStore<>("owner-facts", MemoryRecord.class);

    /** Events consolidation could not read, with the error in their headers; raw bytes, kept for inspection. */
    public static final String CONSOLIDATION_DEAD_LETTERS = "memory.events.dlq";

    private Topics() {
    }

    public static List<Topic<String, ?>> all() {
        return List.of(MEMORY_EVENTS, MEMORY_RECORDS, MEMORY_ACCESS, MEMORY_STRENGTH);
    }

    /** Creates the missing topics; existing ones are left as they are. */
    public static void ensureCreated(Admin admin, int partitions, short replicationFactor)
            throws InterruptedException, ExecutionException {
        List<NewTopic> wanted = new ArrayList<>();
        for (Topic<String, ?> topic : all()) {
            wanted.add(new NewTopic(topic.name(), partitions, replicationFactor).configs(topic.config()));
        }
        wanted.add(new NewTopic(CONSOLIDATION_DEAD_LETTERS, partitions, replicationFactor)
                .configs(Map.of("retention.ms", "-1")));
        var existing = admin.listTopics().names().get();
        var missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
        if (missing.isEmpty()) {
            return;
        }
        try {
            admin.createTopics(missing).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }
}
