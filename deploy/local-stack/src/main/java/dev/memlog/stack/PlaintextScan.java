package dev.memlog.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Looks for a string (an erased subject's words, say) in every record of every topic, as the broker hands them out, and in every byte of a directory. */
public final class PlaintextScan {
    private PlaintextScan() {
    }

    /** The topics (internal ones and changelogs included) with a record whose key or value holds the string. */
    public static Set<String> recordValuesContaining(String bootstrapServers, String needle) throws Exception {
        byte[] wanted = needle.getBytes(StandardCharsets.UTF_8);
        Set<String> found = new TreeSet<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                for (String topic : topics) {
                    List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                            .map(p -> new TopicPartition(topic, p.partition())).toList();
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                    Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                        for (var r : consumer.poll(Duration.ofMillis(200))) {
                            if (contains(r.value(), wanted) || contains(r.key(), wanted)) {
                                found.add(topic);
                            }
                        }
                    }
                }
            }
        }
        return found;
    }

    /** The files under these directories whose bytes hold the string. */
    public static List<Path> filesContaining(List<Path> roots, String needle) {
        byte[] wanted = needle.getBytes(StandardCharsets.UTF_8);
        return roots.stream().filter(Files::isDirectory).flatMap(root -> {
            try (Stream<Path> files = Files.walk(root)) {
                return files.filter(Files::isRegularFile).filter(f -> {
                    try {
                        return contains(Files.readAllBytes(f), wanted);
                    } catch (IOException e) {
                        return false; // a file removed while walking (a rolled segment, a compacted SST)
                    }
                }).toList().stream();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        if (haystack == null) {
            return false;
        }
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
