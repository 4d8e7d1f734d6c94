package dev.memlog.query;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How long each stage of one retrieval took (embedding the query, the engine's search, shaping, strengths, neighbours,
 * packing): a {@code Server-Timing} header for the caller, and a timer per stage for operators.
 */
class Stages {
    /** Measures nothing: for callers that do not ask. */
    static final Stages NONE = new Stages() {
        @Override
        void add(String stage, long nanos) {
        }
    };

    private final Map<String, Long> nanos = new ConcurrentHashMap<>();
    private final long startedNanos = System.nanoTime();

    <T> T time(String stage, Supplier<T> work) {
        long t = System.nanoTime();
        try {
            return work.get();
        } finally {
            add(stage, System.nanoTime() - t);
        }
    }

    void add(String stage, long took) {
        nanos.merge(stage, took, Long::sum);
    }

    long nanos(String stage) {
        return nanos.getOrDefault(stage, 0L);
    }

    /** {@code embed;dur=3.1, search;dur=12.4, ...}, and {@code total} since these stages began. */
    String serverTiming() {
        StringJoiner header = new StringJoiner(", ");
        nanos.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> header.add(e.getKey() + ";dur=" + millis(e.getValue())));
        header.add("total;dur=" + millis(System.nanoTime() - startedNanos));
        return header.toString();
    }

    void record(MeterRegistry metrics) {
        nanos.forEach((stage, took) -> Timer.builder("memlog_retrieval_stage").description("time in one stage of a retrieval")
                .tag("stage", stage).register(metrics).record(took, TimeUnit.NANOSECONDS));
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }
}
