package dev.memlog.query;

import dev.memlog.schemas.KafkaConnection;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Partitions of several topics read up to the offsets they had when it opened, as one stream in timestamp order (as
 * Kafka Streams chooses among its inputs), with no consumer group and nothing committed.
 */
final class TimeOrderedLog implements AutoCloseable {
    /** Records buffered per partition before it is paused, so a long partition cannot fill the heap. */
    private static final int BUFFERED = 2000;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<TopicPartition, Long> begin;
    private final Map<TopicPartition, Long> end = new HashMap<>();
    private final Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> buffers = new HashMap<>();
    private final long total;

    TimeOrderedLog(KafkaConnection kafka, Collection<TopicPartition> partitions, String clientId) {
        Properties props = kafka.properties();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> list = List.copyOf(partitions);
        consumer.assign(list);
        consumer.seekToBeginning(list);
        this.begin = consumer.beginningOffsets(list);
        long sum = 0;
        for (var e : consumer.endOffsets(list).entrySet()) {
            end.put(e.getKey(), e.getValue());
            buffers.put(e.getKey(), new ArrayDeque<>());
            sum += e.getValue() - begin.getOrDefault(e.getKey(), 0L);
        }
        this.total = sum;
    }

    /** The records there are to read, control records of transactions included. */
    long total() {
        return total;
    }

    /** Offsets passed so far, of {@link #total()}. */
    long position() {
        long sum = 0;
        for (var e : end.entrySet()) {
            sum += Math.min(e.getValue(), consumer.position(e.getKey())) - begin.getOrDefault(e.getKey(), 0L)
                    - buffers.get(e.getKey()).size();
        }
        return sum;
    }

    /** The next record in timestamp order, or null once every partition has been read to where it ended. */
    ConsumerRecord<byte[], byte[]> next() {
        while (buffers.entrySet().stream().anyMatch(e -> e.getValue().isEmpty() && !readToEnd(e.getKey()))) {
            for (var r : consumer.poll(Duration.ofMillis(500))) {
                var partition = new TopicPartition(r.topic(), r.partition());
                if (r.offset() < end.get(partition)) {
                    buffers.get(partition).add(r);
                }
            }
            buffers.forEach((partition, buffer) -> {
                if (buffer.size() >= BUFFERED) {
                    consumer.pause(List.of(partition));
                }
            });
        }
        ArrayDeque<ConsumerRecord<byte[], byte[]>> earliest = null;
        TopicPartition from = null;
        for (var e : buffers.entrySet()) {
            var head = e.getValue().peekFirst();
            if (head != null && (earliest == null || head.timestamp() < earliest.peekFirst().timestamp())) {
                earliest = e.getValue();
                from = e.getKey();
            }
        }
        if (earliest == null) {
            return null;
        }
        var record = earliest.pollFirst();
        if (earliest.isEmpty() && consumer.paused().contains(from)) {
            consumer.resume(List.of(from));
        }
        return record;
    }

    private boolean readToEnd(TopicPartition partition) {
        return consumer.position(partition) >= end.get(partition);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
