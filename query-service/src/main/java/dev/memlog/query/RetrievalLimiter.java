package dev.memlog.query;

import dev.memlog.common.http.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * At most so many retrievals at once, each waiting a bounded time for its turn: past that it is refused with 503 and a
 * Retry-After, so a burst is shed at the door rather than queued behind the embedder and the engine until every
 * request is late.
 */
final class RetrievalLimiter {
    private final Semaphore permits;
    private final int concurrency;
    private final Duration wait;
    private final Counter shed;

    /** @param concurrency retrievals at once (RETRIEVAL_CONCURRENCY); @param wait how long one waits for its turn (RETRIEVAL_WAIT_MS) */
    RetrievalLimiter(int concurrency, Duration wait, MeterRegistry metrics) {
        if (concurrency < 1 || wait.isNegative()) {
            throw new IllegalArgumentException("RETRIEVAL_CONCURRENCY must be at least 1 and RETRIEVAL_WAIT_MS not negative");
        }
        this.permits = new Semaphore(concurrency, true);
        this.concurrency = concurrency;
        this.wait = wait;
        this.shed = Counter.builder("memlog_retrieval_shed").description("retrievals refused with 503: too many at once")
                .register(metrics);
        Gauge.builder("memlog_retrieval_in_flight", this, l -> l.concurrency - l.permits.availablePermits())
                .description("retrievals running now").register(metrics);
    }

    <T> T run(Supplier<T> work) {
        boolean admitted;
        try {
            admitted = permits.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admitted = false;
        }
        if (!admitted) {
            shed.increment();
            throw new ApiException(503, "too many retrievals at once (" + concurrency + " run, none finished within "
                    + wait.toMillis() + " ms): retry shortly", null, Map.of("retry_after_seconds", 1));
        }
        try {
            return work.get();
        } finally {
            permits.release();
        }
    }
}
