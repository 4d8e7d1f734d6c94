package dev.memlog.consolidation;

import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.EventKind;
import dev.memlog.schemas.avro.MemoryEvent;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.registry.InMemorySchemaRegistry;
import dev.memlog.schemas.sealing.EnvelopeSealer;
import dev.memlog.schemas.sealing.InMemoryKeyStore;
import dev.memlog.schemas.serde.AvroFormat;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

/** A consolidation topology under TopologyTestDriver (exactly_once_v2), fed on memory.events, read on memory.records. */
record TopologyHarness(TopologyTestDriver driver, TestInputTopic<String, MemoryEvent> events,
                       TestOutputTopic<String, MemoryRecord> records) implements AutoCloseable {

    /** @param wallClock where the driver's wall clock starts */
    /** Avro in an in-memory registry, sealed with in-memory keys: the topology runs as it does with encryption on. */
    static AvroFormat sealedFormat() {
        return sealedFormat(new InMemoryKeyStore());
    }

    static AvroFormat sealedFormat(InMemoryKeyStore keys) {
        return new AvroFormat(new InMemorySchemaRegistry(), new EnvelopeSealer(keys));
    }

    /** Turns, rule facts and the default lifecycle, on a consolidation clock fixed at the start of 2026. */
    static Topology lifecycleTopology(AvroFormat format, dev.memlog.common.embedding.EmbeddingProvider model) {
        java.time.Clock clock = java.time.Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), java.time.ZoneOffset.UTC);
        var scorer = new SignalImportanceScorer();
        return ConsolidationService.topology(format, ConsolidationService.Parts
                .turns(new EpisodeRecorder(model, scorer, clock), false)
                .withFacts(() -> FactChoice.of("rules").processor(model, scorer, clock))
                .withLifecycle(Lifecycle.defaults(clock)));
    }

    static TopologyHarness open(Topology topology, AvroFormat format, String applicationId, Instant wallClock) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // as the service runs: what cannot be read or processed goes to the dead-letter topic
        props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.CONSOLIDATION_DEAD_LETTERS.name());
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class);
        var driver = new TopologyTestDriver(topology, props, wallClock);
        var e = Topics.MEMORY_EVENTS;
        var r = Topics.MEMORY_RECORDS;
        return new TopologyHarness(driver,
                driver.createInputTopic(e.name(), e.keySerde().serializer(), e.valueSerde(format).serializer()),
                driver.createOutputTopic(r.name(), r.keySerde().deserializer(), r.valueSerde(format).deserializer()));
    }

    static final String TENANT = "acme";
    static final String USER = "ann";

    /** A turn Ann says in a session of its own, at {@code at}. */
    void turn(String id, String text, Instant at) {
        pipe(MemoryEvent.newBuilder().setEventId(id).setTenantId(TENANT).setUserId(USER).setSessionId("s-" + at.toEpochMilli())
                .setKind(EventKind.TURN).setRole("user").setContent(text).setOccurredAt(at).setReceivedAt(at)
                .setMetadata(Map.of("speaker", "Ann")).build());
    }

    /** A turn Ann says to one agent, in a session of its own. */
    void turnTo(String agentId, String id, String text, Instant at) {
        pipe(MemoryEvent.newBuilder().setEventId(id).setTenantId(TENANT).setUserId(USER).setAgentId(agentId)
                .setSessionId("s-" + agentId + "-" + at.toEpochMilli()).setKind(EventKind.TURN).setRole("user").setContent(text)
                .setOccurredAt(at).setReceivedAt(at).setMetadata(Map.of("speaker", "Ann")).build());
    }

    /** Something an agent asks to be remembered about Ann. */
    void explicit(String id, String text, Instant at) {
        pipe(MemoryEvent.newBuilder().setEventId(id).setTenantId(TENANT).setUserId(USER).setKind(EventKind.EXPLICIT_MEMORY)
                .setContent(text).setOccurredAt(at).setReceivedAt(at).build());
    }

    /** Ann's deletion of one of her memories, by the named credential, as ingest-service appends it. */
    void delete(String id, String recordId, String agentId, String actor, String reason, Instant at) {
        pipe(MemoryEvent.newBuilder().setEventId(id).setTenantId(TENANT).setUserId(USER).setAgentId(agentId)
                .setKind(EventKind.DELETION).setContent(reason).setOccurredAt(at).setReceivedAt(at).setTargetRecordId(recordId)
                .setActor(actor).build());
    }

    /** The erasure of Ann, as ingest-service appends it once her keys are destroyed. */
    void erase(String id, String actor, Instant at) {
        pipe(MemoryEvent.newBuilder().setEventId(id).setTenantId(TENANT).setUserId(USER).setKind(EventKind.ERASURE)
                .setContent("").setOccurredAt(at).setReceivedAt(at).setActor(actor).build());
    }

    /** Bytes as they are in the log, for a replay of what was written before. */
    void pipeRaw(String key, byte[] value, Instant at) {
        driver.createInputTopic(Topics.MEMORY_EVENTS.name(), new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer()).pipeInput(key, value, at);
    }

    /** As ingest-service appends it: keyed by owner, the record's time when the platform received it. */
    void pipe(MemoryEvent event) {
        events.pipeInput(MemoryOwner.of(event.getTenantId(), event.getUserId(), event.getAgentId()).key(), event,
                event.getReceivedAt());
    }

    @Override
    public void close() {
        driver.close();
    }
}
