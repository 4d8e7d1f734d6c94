package dev.memlog.faults;

import dev.memlog.schemas.sealing.Encryption;
import dev.memlog.schemas.serde.AvroFormat;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.DeadLetterTopic;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.schemas.registry.SchemaRegistryClient;
import dev.memlog.testkit.TestCredentials;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the platform made of a tenant's events, read where users read it: the live index (every turn searchable once)
 * and the log of derived records (every version of every record committed once).
 */
public final class Audit implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private final String openSearchUrl;
    private final String bootstrapServers;
    private final SchemaRegistryClient registry;
    private final Encryption encryption;
    private Encryption.Opened sealing;

    /** @param encryption the stack's: the audit opens sealed records with the same key-encryption key */
    public Audit(String openSearchUrl, String bootstrapServers, String registryUrl, Encryption encryption) {
        this.openSearchUrl = openSearchUrl;
        this.bootstrapServers = bootstrapServers;
        this.registry = new SchemaRegistryClient(registryUrl, TestCredentials.serviceAuthorization());
        this.encryption = encryption;
    }

    /** Opens the reader of the key log now, as a service holds one from its start; later reads reuse it. */
    public void open() {
        format();
    }

    @Override
    public synchronized void close() {
        if (sealing != null) {
            sealing.close();
            sealing = null;
        }
    }

    private synchronized AvroFormat format() {
        if (sealing == null) {
            sealing = encryption.open(bootstrapServers, registry, "fault-audit-" + java.util.UUID.randomUUID());
        }
        return sealing.format();
    }

    /** The event ids of the tenant's turns in the live index, each as often as a document holds it. */
    public List<String> indexedTurnEvents(String tenant) {
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("size", 10_000);
        body.putObject("_source").putArray("includes").add("provenance");
        var filter = body.putObject("query").putObject("bool");
        filter.putArray("filter").addObject().putObject("term").put("tenant_id", tenant);
        filter.withArray("filter").addObject().putObject("term").put("tier", "EPISODIC");
        filter.putArray("must_not").addObject().putObject("term").put("metadata.kind", "session_summary");
        JsonNode response = post("/memlog-records/_search", body.toString());
        List<String> events = new ArrayList<>();
        for (JsonNode hit : response.path("hits").path("hits")) {
            hit.path("_source").path("provenance").forEach(p -> events.add(p.asText()));
        }
        return events;
    }

    /** Whether every one of these events is a searchable turn, once; refreshes the index first. */
    public boolean allIndexed(String tenant, Set<String> events) {
        post("/memlog-records/_refresh", "");
        return new HashSet<>(indexedTurnEvents(tenant)).containsAll(events);
    }

    private JsonNode post(String path, String body) {
        try {
            var response = HTTP.send(HttpRequest.newBuilder(URI.create(openSearchUrl + path)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return Json.mapper().readTree(response.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The tenant's committed derived records, every copy of every version, in log order per partition. */
    public List<MemoryRecord> committedRecords(String tenant) {
        var serde = Topics.MEMORY_RECORDS.valueSerde(format());
        List<MemoryRecord> records = new ArrayList<>();
        for (var r : read(Topics.MEMORY_RECORDS.name())) {
            try {
                MemoryRecord value = serde.deserialize(r.value());
                if (value != null && tenant.equals(value.getTenantId())) {
                    records.add(value);
                }
            } catch (RuntimeException poison) {
                // a dead letter's business, not this audit's
            }
        }
        return records;
    }

    /** What an audit found for one tenant's acknowledged events. */
    public record Findings(int acknowledged, int derived, int lost, int duplicated, List<String> lostIds, List<String> duplicatedIds) {
    }

    /**
     * Lost: acknowledged and not a searchable turn. Duplicated: a turn indexed more than once, or any version of any
     * record committed to the log more than once (exactly-once broken).
     */
    public Findings check(String tenant, Set<String> acknowledged) {
        post("/memlog-records/_refresh", "");
        List<String> indexed = indexedTurnEvents(tenant);
        Map<String, Integer> copies = new HashMap<>();
        indexed.forEach(e -> copies.merge(e, 1, Integer::sum));
        List<String> lost = acknowledged.stream().filter(e -> !copies.containsKey(e)).sorted().toList();
        List<String> duplicated = new ArrayList<>(copies.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList());
        Map<String, Integer> versions = new HashMap<>();
        for (MemoryRecord r : committedRecords(tenant)) {
            versions.merge(r.getRecordId() + "@" + r.getVersion(), 1, Integer::sum);
        }
        versions.forEach((version, n) -> {
            if (n > 1) {
                duplicated.add(version);
            }
        });
        int derived = (int) acknowledged.stream().filter(copies::containsKey).count();
        return new Findings(acknowledged.size(), derived, lost.size(), duplicated.size(), lost, duplicated);
    }

    /** Every dead letter in a topic so far. */
    public List<DeadLetterTopic.Letter> deadLetters(DeadLetterTopic topic) {
        return read(topic.name()).stream().map(DeadLetterTopic::read).toList();
    }

    /** The turns of one owner's session as the records log holds them, oldest first (for working-memory checks). */
    public static Predicate<MemoryRecord> turnOf(String user, String session) {
        return r -> r.getTier() == MemoryTier.EPISODIC && user.equals(r.getUserId()) && session.equals(r.getSessionId())
                && r.getProvenance().size() == 1;
    }

    private List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> read(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "audit-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

}
