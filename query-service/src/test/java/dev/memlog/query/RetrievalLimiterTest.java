package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.common.http.ApiException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class RetrievalLimiterTest {
    @Test
    void pastItsConcurrencyAndWaitARetrievalIsRefusedWithA503ThatSaysWhenToRetry() throws Exception {
        var metrics = new SimpleMeterRegistry();
        var limiter = new RetrievalLimiter(1, Duration.ofMillis(50), metrics);
        var running = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        Thread busy = Thread.ofVirtual().start(() -> limiter.run(() -> {
            running.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        running.await();
        assertThat(metrics.get("memlog_retrieval_in_flight").gauge().value()).isEqualTo(1.0);
        assertThatThrownBy(() -> limiter.run(() -> "never")).isInstanceOf(ApiException.class)
                .satisfies(e -> {
                    assertThat(((ApiException) e).status()).isEqualTo(503);
                    assertThat(((ApiException) e).details()).containsEntry("retry_after_seconds", 1);
                });
        assertThat(metrics.get("memlog_retrieval_shed").counter().count()).isEqualTo(1.0);
        release.countDown();
        busy.join();
        assertThat(limiter.run(() -> "answered")).as("a turn once one is free").isEqualTo("answered");
        assertThatThrownBy(() -> limiter.run(() -> {
            throw new IllegalStateException("failed");
        })).hasMessage("failed");
        assertThat(limiter.run(() -> "again")).as("a failure gives its turn back").isEqualTo("again");
    }
}
