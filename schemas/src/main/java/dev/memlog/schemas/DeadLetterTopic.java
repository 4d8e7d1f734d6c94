package dev.memlog.schemas;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Where a service puts a record it could not process, so one bad record never stalls a partition: the raw key and
 * value exactly as they were read, and in headers why and where from (the names Kafka Streams uses for its own dead
 * letters, so one tool reads both). An operator lists them and, once the cause is fixed, replays them to their
 * source topic.
 */
public record DeadLetterTopic(String name, String writtenBy) {
    public static final String EXCEPTION = "__streams.errors.exception";
    public static final String MESSAGE = "__streams.errors.message";
    public static final String STACKTRACE = "__streams.errors.stacktrace";
    public static final String SOURCE_TOPIC = "__streams.errors.topic";
    public static final String SOURCE_PARTITION = "__streams.errors.partition";
    public static final String SOURCE_OFFSET = "__streams.errors.offset";
    /** Which step failed: deserialization, processing, production or indexing. */
    public static final String STAGE = "memlog.errors.stage";
    /** Set on a record an operator replayed, so a record that fails again is recognised. */
    public static final String REPLAYED_FROM = "memlog.replayed.from";
    /** Set when the value was too large to keep beside its reason: the source offset still holds it. */
    public static final String VALUE_OMITTED = "memlog.errors.value.omitted";
    /** Values up to this size are kept in the dead letter; a larger one stays only at its source offset. */
    static final int MAX_VALUE_BYTES = 512 * 1024;
    static final int MAX_STACKTRACE_CHARS = 8_000;
    static final int MAX_MESSAGE_CHARS = 2_000;

    /** Kept forever, as the logs they come from are: an operator decides what becomes of them. */
    public Map<String, String> config(int minInsyncReplicas) {
        return Map.of("retention.ms", "-1", "cleanup.policy", "delete", "min.insync.replicas", Integer.toString(minInsyncReplicas));
    }

    /** A dead letter for a record read at {@code topic/partition/offset}, keeping its own headers. */
    public ProducerRecord<byte[], byte[]> letter(String topic, int partition, long offset, Long timestamp, byte[] key,
                                                 byte[] value, Headers original, String stage, Throwable error) {
        Headers headers = new RecordHeaders();
        if (original != null) {
            for (Header h : original) {
                if (!h.key().startsWith("__streams.errors.") && !h.key().startsWith("memlog.errors.")) {
                    headers.add(h);
                }
            }
        }
        headers.add(EXCEPTION, bytes(error.getClass().getName()));
        headers.add(MESSAGE, bytes(clip(describe(error), MAX_MESSAGE_CHARS)));
        headers.add(STACKTRACE, bytes(clip(stackTrace(error), MAX_STACKTRACE_CHARS)));
        headers.add(SOURCE_TOPIC, bytes(topic));
        headers.add(SOURCE_PARTITION, bytes(Integer.toString(partition)));
        headers.add(SOURCE_OFFSET, bytes(Long.toString(offset)));
        headers.add(STAGE, bytes(stage));
        byte[] kept = value;
        if (value != null && value.length > MAX_VALUE_BYTES) {
            // the log keeps its records forever: the letter points at the original instead of copying a megabyte
            headers.add(VALUE_OMITTED, bytes(Integer.toString(value.length)));
            kept = null;
        }
        return new ProducerRecord<>(name, null, timestamp, key, kept, headers);
    }

    /** What a dead letter says about itself. */
    public record Letter(long offset, int partition, String sourceTopic, int sourcePartition, long sourceOffset,
                         String stage, String exception, String message, byte[] key, byte[] value, boolean valueOmitted) {
    }

    public static Letter read(ConsumerRecord<byte[], byte[]> r) {
        return new Letter(r.offset(), r.partition(), header(r.headers(), SOURCE_TOPIC),
                (int) number(header(r.headers(), SOURCE_PARTITION)), number(header(r.headers(), SOURCE_OFFSET)),
                header(r.headers(), STAGE), header(r.headers(), EXCEPTION), header(r.headers(), MESSAGE), r.key(), r.value(),
                header(r.headers(), VALUE_OMITTED) != null);
    }

    public static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The error and each cause, "Type: message", so the reason survives wrapping by the framework. */
    static String describe(Throwable error) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = error; t != null && out.length() < MAX_MESSAGE_CHARS; t = t.getCause() == t ? null : t.getCause()) {
            if (!out.isEmpty()) {
                out.append(" <- ");
            }
            out.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        // messages quote what clients sent: no control characters reach headers, logs or terminals
        return out.toString().replaceAll("\\p{Cntrl}", " ");
    }

    /** {@link #describe} short enough for a log line. */
    public static String describeShort(Throwable error) {
        return clip(describe(error), 300);
    }

    private static String stackTrace(Throwable error) {
        var out = new StringWriter();
        error.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    private static long number(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    private static byte[] bytes(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
