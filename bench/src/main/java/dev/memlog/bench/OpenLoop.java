package dev.memlog.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * An open-model load: requests start at a fixed rate whatever the system does, and each one's latency is counted from
 * when it was due to start, so a stalled system's queueing shows in the percentiles (no coordinated omission).
 */
final class OpenLoop {
    /** What one run measured: latencies in microseconds, requests done and failed, the seconds it took. */
    record Result(Histogram latencyMicros, long done, long failed, double seconds) {
        double perSecond() {
            return done / seconds;
        }

        double percentileMs(double p) {
            return latencyMicros.getValueAtPercentile(p) / 1000.0;
        }
    }

    private OpenLoop() {
    }

    /**
     * Starts {@code count} requests at {@code ratePerSecond}, each on a virtual thread, and waits for all to finish.
     *
     * @param request the {@code i}-th request: completes when it is acknowledged, exceptionally when it failed
     */
    static Result run(int count, double ratePerSecond, LongFunction<CompletableFuture<?>> request) throws InterruptedException {
        Recorder recorder = new Recorder(3);
        AtomicLong failed = new AtomicLong();
        long interval = (long) (1e9 / ratePerSecond);
        long start = System.nanoTime();
        CompletableFuture<?>[] all = new CompletableFuture<?>[count];
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                long n = i;
                CompletableFuture<Void> finished = new CompletableFuture<>();
                all[i] = finished;
                threads.execute(() -> {
                    try {
                        request.apply(n).whenComplete((ok, error) -> {
                            if (error != null) {
                                failed.incrementAndGet();
                            } else {
                                recorder.recordValue(Math.max(1, (System.nanoTime() - due) / 1000));
                            }
                            finished.complete(null);
                        });
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                        finished.complete(null);
                    }
                });
            }
            CompletableFuture.allOf(all).get(5, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the open-model load did not finish: " + e.getMessage(), e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Histogram histogram = recorder.getIntervalHistogram();
        return new Result(histogram, histogram.getTotalCount(), failed.get(), seconds);
    }

    /** How long {@code count} requests at {@code ratePerSecond} take to start. */
    static Duration span(int count, double ratePerSecond) {
        return Duration.ofNanos((long) (count / ratePerSecond * 1e9));
    }
}
