package dev.memlog.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.schemas.KafkaConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subjects, versions, ids and compatibility levels, kept in a compacted single-partition Kafka topic and
 * rebuilt from it at start-up. One instance writes (as with Confluent's single primary); every write is
 * acknowledged by Kafka before it becomes visible.
 */
public final class SchemaStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchemaStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One version of a subject. */
    public record Registered(String subject, int version, int id, Schema schema) {
    }

    private final String topic;
    private final KafkaProducer<String, String> producer;
    private final Map<String, TreeMap<Integer, Registered>> subjects = new HashMap<>();
    private final Map<Integer, Schema> schemasById = new HashMap<>();
    private final Map<String, Integer> idByCanonical = new HashMap<>();
    private final Map<String, Compatibility> levels = new HashMap<>();
    private Compatibility globalLevel;

    public SchemaStore(KafkaConnection kafka, String topic, Compatibility defaultLevel) {
        this.topic = topic;
        this.globalLevel = defaultLevel;
        ensureTopic(kafka, topic);
        Properties producerProps = kafka.properties();
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer());
        long started = System.nanoTime();
        int applied = replay(kafka);
        log.info("schema store rebuilt from {}: {} records, {} subjects, in {} ms", topic, applied, subjects.size(),
                (System.nanoTime() - started) / 1_000_000);
    }

    private static void ensureTopic(KafkaConnection kafka, String topic) {
        try (Admin admin = Admin.create(kafka.properties())) {
            if (!admin.listTopics().names().get().contains(topic)) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) -1)
                        .configs(Map.of("cleanup.policy", "compact")))).all().get();
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create " + topic, e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private int replay(KafkaConnection kafka) {
        Properties props = kafka.properties();
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "schema-registry-replay-" + UUID.randomUUID());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        int applied = 0;
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            var partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() != null) {
                        apply(record.key(), record.value());
                        applied++;
                    }
                }
            }
        }
        return applied;
    }

    private void apply(String key, String value) {
        try {
            JsonNode k = JSON.readTree(key);
            JsonNode v = JSON.readTree(value);
            switch (k.path("keytype").asText()) {
                case "SCHEMA" -> {
                    Schema schema = new Schema.Parser().parse(v.path("schema").asText());
                    var registered = new Registered(v.path("subject").asText(), v.path("version").asInt(),
                            v.path("id").asInt(), schema);
                    subjects.computeIfAbsent(registered.subject(), s -> new TreeMap<>()).put(registered.version(), registered);
                    schemasById.put(registered.id(), schema);
                    idByCanonical.put(schema.toString(), registered.id());
                }
                case "CONFIG" -> {
                    Compatibility level = Compatibility.parse(v.path("compatibilityLevel").asText());
                    if (k.path("subject").isNull() || k.path("subject").isMissingNode()) {
                        globalLevel = level;
                    } else {
                        levels.put(k.path("subject").asText(), level);
                    }
                }
                default -> log.warn("skipping unknown record in {}: {}", topic, key);
            }
        } catch (Exception e) {
            log.warn("skipping unreadable record in {}: {}", topic, key, e);
        }
    }

    public static Schema parse(String text) {
        try {
            return new Schema.Parser().parse(text);
        } catch (SchemaParseException | NullPointerException e) {
            throw new RegistryException(422, 42201, "Invalid schema: " + (e.getMessage() == null ? "missing" : e.getMessage()));
        }
    }

    /** Registers the schema as the subject's next version, or returns the version that already holds it. */
    public synchronized Registered register(String subject, Schema schema) {
        Optional<Registered> existing = lookup(subject, schema);
        if (existing.isPresent()) {
            return existing.get();
        }
        List<String> violations = levelOf(subject).violations(schema, versions(subject));
        if (!violations.isEmpty()) {
            throw new RegistryException(409, 409, "Schema being registered is incompatible with an earlier schema for subject '"
                    + subject + "': " + String.join("; ", violations));
        }
        int id = idByCanonical.getOrDefault(schema.toString(),
                schemasById.keySet().stream().mapToInt(Integer::intValue).max().orElse(0) + 1);
        var versions = subjects.get(subject);
        int version = versions == null || versions.isEmpty() ? 1 : versions.lastKey() + 1;
        ObjectNode key = JSON.createObjectNode().put("keytype", "SCHEMA").put("subject", subject).put("version", version);
        ObjectNode value = JSON.createObjectNode().put("subject", subject).put("version", version).put("id", id)
                .put("schema", schema.toString()).put("deleted", false);
        write(key, value);
        apply(key.toString(), value.toString());
        return subjects.get(subject).get(version);
    }

    public synchronized Optional<Registered> lookup(String subject, Schema schema) {
        var versions = subjects.get(subject);
        if (versions == null) {
            return Optional.empty();
        }
        String canonical = schema.toString();
        return versions.values().stream().filter(r -> r.schema().toString().equals(canonical)).findFirst();
    }

    public synchronized List<String> violations(String subject, Schema schema, String version) {
        List<Schema> earlier = versions(subject);
        if (!"latest".equals(version)) {
            earlier = List.of(version(subject, version).schema());
        }
        return levelOf(subject).violations(schema, earlier);
    }

    public synchronized List<String> subjects() {
        return subjects.keySet().stream().sorted().toList();
    }

    public synchronized List<Integer> versionNumbers(String subject) {
        var versions = subjects.get(subject);
        if (versions == null) {
            throw RegistryException.subjectNotFound(subject);
        }
        return List.copyOf(versions.keySet());
    }

    public synchronized Registered version(String subject, String version) {
        var versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            throw RegistryException.subjectNotFound(subject);
        }
        if ("latest".equals(version) || "-1".equals(version)) {
            return versions.lastEntry().getValue();
        }
        try {
            Registered found = versions.get(Integer.parseInt(version));
            if (found == null) {
                throw RegistryException.versionNotFound(version);
            }
            return found;
        } catch (NumberFormatException e) {
            throw new RegistryException(422, 42202, "The specified version '" + version + "' is not a valid version id.");
        }
    }

    public synchronized Schema byId(int id) {
        Schema schema = schemasById.get(id);
        if (schema == null) {
            throw RegistryException.schemaNotFound();
        }
        return schema;
    }

    public synchronized Compatibility levelOf(String subject) {
        return levels.getOrDefault(subject, globalLevel);
    }

    public synchronized Compatibility globalLevel() {
        return globalLevel;
    }

    /** Sets a subject's level, or the global one when subject is null. */
    public synchronized void setLevel(String subject, Compatibility level) {
        ObjectNode key = JSON.createObjectNode().put("keytype", "CONFIG");
        if (subject == null) {
            key.putNull("subject");
        } else {
            key.put("subject", subject);
        }
        ObjectNode value = JSON.createObjectNode().put("compatibilityLevel", level.name());
        write(key, value);
        apply(key.toString(), value.toString());
    }

    private List<Schema> versions(String subject) {
        var versions = subjects.get(subject);
        return versions == null ? List.of() : new ArrayList<>(versions.values().stream().map(Registered::schema).toList());
    }

    private void write(ObjectNode key, ObjectNode value) {
        try {
            producer.send(new ProducerRecord<>(topic, 0, key.toString(), value.toString())).get();
        } catch (ExecutionException e) {
            throw new RegistryException(500, 50001, "Error while storing the schema in Kafka: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(500, 50001, "Interrupted while storing the schema");
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
