package dev.memlog.schemas.sealing;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import dev.memlog.schemas.KafkaConnection;
import dev.memlog.schemas.Topics;
import dev.memlog.schemas.avro.WrappedKey;
import dev.memlog.schemas.serde.AvroFormat;
import dev.memlog.schemas.serde.AvroSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Data keys in the compacted memory.keys topic, each record one key of one owner (topic key: owner, separator, key
 * id), wrapped by the key-encryption key. Every process reads the whole topic and follows it. A key is appended,
 * acknowledged by every in-sync replica, before anything is sealed with it, so a reader that has caught up with the
 * topic and still lacks a key knows it was destroyed. Two processes that create a first key for one owner at once
 * both keep theirs: every key of an owner opens, and the smallest id seals.
 */
public final class TopicKeyStore implements KeyStore {
    private static final Logger log = LoggerFactory.getLogger(TopicKeyStore.class);
    private static final char SEPARATOR = '\u001e';

    static {
        Aeads.register();
    }
    private static final Duration CATCH_UP = Duration.ofSeconds(30);
    /** How long one try to learn the log's end may take, and how long all tries together. */
    private static final Duration END_TRY = Duration.ofSeconds(10);
    private static final Duration END_DEADLINE = Duration.ofSeconds(90);

    private final KeyEncryptionKey kek;
    private final AvroSerde<WrappedKey> serde;
    private final KafkaProducer<String, WrappedKey> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaConnection kafka;
    private final String adminClientId;
    private volatile Admin admin;
    private final Map<String, ConcurrentSkipListMap<String, Aead>> keys = new ConcurrentHashMap<>();
    private final Set<String> destroyed = ConcurrentHashMap.newKeySet();
    private final Map<String, String> unreadable = new ConcurrentHashMap<>();
    private final List<TopicPartition> partitions;
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private final Object progress = new Object();
    private final Thread follower;
    private volatile boolean closed;
    private volatile RuntimeException failure;

    public TopicKeyStore(KafkaConnection kafka, AvroFormat format, KeyEncryptionKey kek, String clientId) {
        this.kek = kek;
        this.serde = Topics.MEMORY_KEYS.valueSerde(format);
        this.producer = Topics.MEMORY_KEYS.producer(kafka, format, clientId + "-keys", 0);
        this.kafka = kafka;
        this.adminClientId = clientId + "-keys-admin";
        this.admin = newAdmin();
        Properties props = kafka.properties();
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-keys-reader");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.partitions = partitions(consumer);
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.follower = Thread.ofPlatform().daemon().name(clientId + "-keys").start(this::follow);
        try {
            catchUp();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private Admin newAdmin() {
        Properties props = kafka.properties();
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, adminClientId);
        return Admin.create(props);
    }

    /** The key log's partitions, once a service that creates topics has created it. */
    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            var found = consumer.partitionsFor(Topics.MEMORY_KEYS.name(), Duration.ofSeconds(10));
            if (found != null && !found.isEmpty()) {
                return found.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            }
            if (System.nanoTime() > deadline) {
                consumer.close();
                throw new IllegalStateException("topic " + Topics.MEMORY_KEYS.name() + " does not exist");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    @Override
    public DataKey current(String subject) {
        var known = keys.get(subject);
        if (known == null || known.isEmpty()) {
            catchUp(); // another process may have created it
            known = keys.get(subject);
        }
        if (known == null || known.isEmpty()) {
            return create(subject);
        }
        var first = known.firstEntry();
        return new DataKey(first.getKey(), first.getValue());
    }

    @Override
    public Optional<Aead> find(String subject, String keyId) {
        if (destroyed.contains(keyId)) {
            return Optional.empty();
        }
        Aead key = lookup(subject, keyId);
        if (key == null) {
            catchUp();
            key = lookup(subject, keyId);
            if (key == null && unreadable.containsKey(keyId)) {
                // present but wrapped by a key-encryption key this process lacks: an error, never an erasure
                throw new IllegalStateException("data key " + keyId + " is wrapped by " + unreadable.get(keyId)
                        + ", not by this process's key-encryption key " + kek.id());
            }
            if (key == null) {
                destroyed.add(keyId); // caught up and still absent: it was destroyed, and stays so
                return Optional.empty();
            }
        }
        return Optional.of(key);
    }

    @Override
    public List<String> destroy(String subject) {
        catchUp();
        var known = keys.get(subject);
        List<String> ids = known == null ? List.of() : new ArrayList<>(known.keySet());
        try {
            for (String id : ids) {
                producer.send(new ProducerRecord<>(Topics.MEMORY_KEYS.name(), subject + SEPARATOR + id, null)).get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the key log did not take the erasure of a subject's keys", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        ids.forEach(id -> {
            destroyed.add(id);
            if (known != null) {
                known.remove(id);
            }
        });
        return ids;
    }

    private Aead lookup(String subject, String keyId) {
        var known = keys.get(subject);
        return known == null ? null : known.get(keyId);
    }

    private DataKey create(String subject) {
        String id = UUID.randomUUID().toString().replace("-", "");
        try {
            KeysetHandle handle = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
            byte[] wrapped = TinkProtoKeysetFormat.serializeEncryptedKeyset(handle, kek.aead(), subject.getBytes(StandardCharsets.UTF_8));
            var value = WrappedKey.newBuilder().setSubject(subject).setKeyId(id).setWrapped(ByteBuffer.wrap(wrapped))
                    .setKek(kek.id()).setCreatedAt(Instant.now()).build();
            producer.send(new ProducerRecord<>(Topics.MEMORY_KEYS.name(), subject + SEPARATOR + id, value)).get(30, TimeUnit.SECONDS);
            Aead aead = handle.getPrimitive(RegistryConfiguration.get(), Aead.class);
            var known = keys.computeIfAbsent(subject, s -> new ConcurrentSkipListMap<>());
            known.put(id, aead);
            var first = known.firstEntry();
            return new DataKey(first.getKey(), first.getValue());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot create a data key", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the key log did not take a new data key", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Waits until this store has read every key appended before the call. */
    private void catchUp() {
        Map<TopicPartition, Long> ends = ends();
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        synchronized (progress) {
            while (!reached(ends)) {
                if (failure != null) {
                    throw failure;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || closed) {
                    throw new IllegalStateException("the key log could not be read to its end within " + CATCH_UP);
                }
                try {
                    progress.wait(Math.min(left, 100));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    /**
     * The log's end offsets. A try that fails or hangs is repeated with a new admin client: one that remembers a
     * partition's leader after that broker died can wait on it until its own timeout, though the partition has a new
     * leader (KAFKA-20673).
     */
    private Map<TopicPartition, Long> ends() {
        var spec = new HashMap<TopicPartition, OffsetSpec>();
        partitions.forEach(tp -> spec.put(tp, OffsetSpec.latest()));
        long deadline = System.nanoTime() + END_DEADLINE.toNanos();
        Exception last;
        int tries = 0;
        do {
            tries++;
            Admin current = admin;
            try {
                Map<TopicPartition, Long> ends = new HashMap<>();
                current.listOffsets(spec, new ListOffsetsOptions().timeoutMs((int) END_TRY.toMillis()))
                        .all().get(END_TRY.toSeconds() + 1, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
                return ends;
            } catch (ExecutionException | TimeoutException e) {
                last = e;
                log.warn("try {} to read the end of the key log failed ({}); trying again with a new admin client", tries,
                        e instanceof ExecutionException ? e.getCause() : e);
                replaceAdmin(current);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        } while (System.nanoTime() < deadline && !closed);
        Throwable cause = last instanceof ExecutionException ? last.getCause() : last;
        throw new IllegalStateException("cannot read the end of the key log after " + tries + " tries: " + cause, cause);
    }

    private synchronized void replaceAdmin(Admin failed) {
        if (admin == failed && !closed) {
            admin = newAdmin();
            failed.close(Duration.ZERO);
        }
    }

    private boolean reached(Map<TopicPartition, Long> ends) {
        return ends.entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    private void follow() {
        try {
            while (!closed) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    apply(record);
                }
                for (TopicPartition tp : partitions) {
                    positions.put(tp, consumer.position(tp));
                }
                synchronized (progress) {
                    progress.notifyAll();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (!closed) {
                log.error("the key log reader stopped", e);
                failure = new IllegalStateException("the key log reader stopped: " + e.getMessage(), e);
                synchronized (progress) {
                    progress.notifyAll();
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        int at = record.key() == null ? -1 : record.key().indexOf(SEPARATOR);
        if (at < 0) {
            log.warn("ignored a key-log record without an owner and key id at offset {}", record.offset());
            return;
        }
        String subject = record.key().substring(0, at);
        String id = record.key().substring(at + 1);
        if (record.value() == null) {
            destroyed.add(id);
            unreadable.remove(id);
            var known = keys.get(subject);
            if (known != null) {
                known.remove(id);
            }
            return;
        }
        WrappedKey wrapped = serde.deserialize(record.value());
        try {
            byte[] bytes = new byte[wrapped.getWrapped().remaining()];
            wrapped.getWrapped().duplicate().get(bytes);
            KeysetHandle handle = TinkProtoKeysetFormat.parseEncryptedKeyset(bytes, kek.aead(), subject.getBytes(StandardCharsets.UTF_8));
            if (!destroyed.contains(id)) {
                keys.computeIfAbsent(subject, s -> new ConcurrentSkipListMap<>())
                        .put(id, handle.getPrimitive(RegistryConfiguration.get(), Aead.class));
            }
        } catch (GeneralSecurityException e) {
            // wrapped by another key-encryption key: this process cannot open that owner's values
            unreadable.put(id, wrapped.getKek());
            log.error("data key {} (wrapped by {}) does not open with key-encryption key {}", id, wrapped.getKek(), kek.id());
        }
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            follower.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
        synchronized (this) {
            admin.close(Duration.ofSeconds(5));
        }
    }
}
