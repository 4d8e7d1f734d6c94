package dev.memlog.schemas;

import dev.memlog.schemas.avro.AuditEntry;
import dev.memlog.schemas.avro.MemoryAccess;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import dev.memlog.schemas.avro.SessionBuffer;
import dev.memlog.schemas.avro.WrappedKey;
import dev.memlog.schemas.avro.PreviousTurn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The one registry of topics. Every topic but the audit and the keys is keyed by {@link MemoryOwner#key()}, so all that one memory
 * owner has lands in one partition of every topic: dedup and supersession are local state-store lookups.
 */
public final class Topics {

    /** The log of record: appended by ingest-service, kept forever, replayed to re-derive memory. */
    public static final Topic<String, MemoryEvent> MEMORY_EVENTS = new Topic<>(
            "memory.events", Serdes.String(), MemoryEvent.class,
            Map.of("retention.ms", "-1", "cleanup.policy", "delete"));

    /** Derived memory records, every version kept, so history and time travel can read them back. */
    public static final Topic<String, MemoryRecord> MEMORY_RECORDS = new Topic<>(
            "memory.records", Serdes.String(), MemoryRecord.class,
            Map.of("retention.ms", "-1", "cleanup.policy", "delete"));

    /**
     * What retrieval returned and what agents said they used: appended by query-service, kept forever, because
     * strengths are re-derived from it as records are from memory.events.
     */
    public static final Topic<String, MemoryAccess> MEMORY_ACCESS = new Topic<>(
            "memory.access", Serdes.String(), MemoryAccess.class,
            Map.of("retention.ms", "-1", "cleanup.policy", "delete"));

    /** Each memory's use history as it changes, for retrieval to weigh strength: derived by consolidation. */
    public static final Topic<String, MemoryStrength> MEMORY_STRENGTH = new Topic<>(
            "memory.strength", Serdes.String(), MemoryStrength.class,
            Map.of("retention.ms", "-1", "cleanup.policy", "delete"));

    /**
     * Admin and erase actions, who took them and on what: appended by the service that took them, kept forever. Keyed
     * by tenant, not owner: an audit is read per tenant, and its entries name memories by id only.
     */
    public static final Topic<String, AuditEntry> MEMORY_AUDIT = new Topic<>(
            "memory.audit", Serdes.String(), AuditEntry.class,
            Map.of("retention.ms", "-1", "cleanup.policy", "delete"));

    /**
     * Every owner's data keys, wrapped by the key-encryption key: keyed by owner and key id, compacted, so erasing an
     * owner (a tombstone for each of its keys) leaves no copy of them once the log is cleaned.
     */
    public static final Topic<String, WrappedKey> MEMORY_KEYS = new Topic<>(
            "memory.keys", Serdes.String(), WrappedKey.class,
            Map.of("cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.01", "segment.ms", "3600000",
                    "delete.retention.ms", "86400000", "max.compaction.lag.ms", "3600000"));

    /** Consolidation's use history of every live memory, for decay and forgetting: a state store. */
    public static final StateStore<MemoryStrength> STRENGTHS = new StateStore<>("memory-strength", MemoryStrength.class);

    /** The newest version of every live memory without its embeddings, so forgetting can write its last version. */
    public static final StateStore<MemoryRecord> LIVE_RECORDS = new StateStore<>("live-records", MemoryRecord.class);

    /** The last turn of each session, which the next turn is read against: a consolidation state store. */
    public static final StateStore<PreviousTurn> PREVIOUS_TURNS = new StateStore<>("session-previous-turns", PreviousTurn.class);

    /** Consolidation's buffer of each session's unsummarized turns: a state store, its changelog in the registry. */
    public static final StateStore<SessionBuffer> SESSION_BUFFERS = new StateStore<>("session-buffer", SessionBuffer.class);

    /** Working memory: each session's most recent turns within a token bound, read by query-service. A state store. */
    public static final StateStore<SessionBuffer> WORKING_MEMORY = new StateStore<>("working-memory", SessionBuffer.class);

    /** Consolidation's live facts and instructions per owner, for reinforcement and supersession: a state store. */
    public static final StateStore<MemoryRecord> OWNER_FACTS = new StateStore<>("owner-facts", MemoryRecord.class);

    /** Events and accesses consolidation could not read or process, as read, with the error in their headers. */
    public static final DeadLetterTopic CONSOLIDATION_DEAD_LETTERS =
            new DeadLetterTopic("memory.consolidation.dlq", "consolidation-streams");

    /** Records and use histories the materializer could not read or the index refused, as read, with the error. */
    public static final DeadLetterTopic MATERIALIZER_DEAD_LETTERS =
            new DeadLetterTopic("memory.materializer.dlq", "query-service");

    private Topics() {
    }

    public static List<Topic<String, ?>> all() {
        return List.of(MEMORY_EVENTS, MEMORY_RECORDS, MEMORY_ACCESS, MEMORY_STRENGTH, MEMORY_AUDIT, MEMORY_KEYS);
    }

    public static List<DeadLetterTopic> deadLetters() {
        return List.of(CONSOLIDATION_DEAD_LETTERS, MATERIALIZER_DEAD_LETTERS);
    }

    /** Every topic the services create, with its settings under these creation settings. */
    public static List<NewTopic> definitions(TopicSettings settings) {
        return definitions(settings, Derivation.FIRST);
    }

    /** Every topic the services create, and the output topics of {@code derivation}. */
    public static List<NewTopic> definitions(TopicSettings settings, Derivation derivation) {
        List<NewTopic> wanted = new ArrayList<>();
        List<Topic<String, ?>> topics = new ArrayList<>(all());
        if (!derivation.first()) {
            topics.addAll(derivation.outputs());
        }
        for (Topic<String, ?> topic : topics) {
            Map<String, String> config = new java.util.HashMap<>(topic.config());
            config.put("min.insync.replicas", Integer.toString(settings.minInsyncReplicas()));
            wanted.add(new NewTopic(topic.name(), settings.partitions(), settings.replicationFactor()).configs(config));
        }
        for (DeadLetterTopic dlq : deadLetters()) {
            wanted.add(new NewTopic(dlq.name(), settings.partitions(), settings.replicationFactor())
                    .configs(dlq.config(settings.minInsyncReplicas())));
        }
        return wanted;
    }

    /** Creates the missing topics (or, without auto-creation, refuses to go on without them); existing ones are left as they are. */
    public static void ensureCreated(Admin admin, TopicSettings settings) throws InterruptedException, ExecutionException {
        ensureCreated(admin, settings, Derivation.FIRST);
    }

    /** As {@link #ensureCreated(Admin, TopicSettings)}, with the output topics of {@code derivation}. */
    public static void ensureCreated(Admin admin, TopicSettings settings, Derivation derivation)
            throws InterruptedException, ExecutionException {
        List<NewTopic> wanted = definitions(settings, derivation);
        var existing = admin.listTopics().names().get();
        var missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
        if (missing.isEmpty()) {
            return;
        }
        if (!settings.autoCreate()) {
            throw new IllegalStateException("topics missing: " + missing.stream().map(NewTopic::name).toList()
                    + "; with TOPIC_AUTO_CREATE=false they are made by the cluster's operator (the chart's KafkaTopics):"
                    + " this service starts once they exist");
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
