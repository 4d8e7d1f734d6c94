package dev.memlog.common.limits;

import io.github.bucket4j.ConsumptionProbe;

/** The Retry-After a refused request is told: whole seconds until its tokens are back, at least one. */
final class RetryAfter {
    private RetryAfter() {
    }

    static long seconds(ConsumptionProbe probe) {
        return Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
    }
}
