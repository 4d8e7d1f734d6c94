package dev.memlog.common.limits;

import dev.memlog.common.config.Env;
import dev.memlog.common.http.ApiException;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many events each tenant may append in a day: the whole allowance renews every 24 hours, and a request that
 * would go past it is refused whole (a batch is never half appended) with a 429 and Retry-After. Per instance.
 */
public final class TenantQuota {
    private final long eventsPerDay;
    private final TimeMeter clock;
    private final MeterRegistry metrics;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** @param eventsPerDay 0 for no quota */
    public TenantQuota(long eventsPerDay, TimeMeter clock, MeterRegistry metrics) {
        if (eventsPerDay < 0) {
            throw new IllegalArgumentException("QUOTA_EVENTS_PER_DAY cannot be negative");
        }
        this.eventsPerDay = eventsPerDay;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** QUOTA_EVENTS_PER_DAY per tenant and instance; 0 (the default) for none. */
    public static TenantQuota from(Env env, MeterRegistry metrics) {
        return new TenantQuota(env.longValue("QUOTA_EVENTS_PER_DAY", 0), TimeMeter.SYSTEM_MILLISECONDS, metrics);
    }

    /** Takes {@code events} from the tenant's allowance, or refuses them all. */
    public void consume(String tenant, int events) {
        if (eventsPerDay == 0) {
            return;
        }
        if (events > eventsPerDay) {
            // no retry could pass: not a 429
            throw new ApiException(413, "this request holds " + events + " events; tenant " + tenant + " may append "
                    + eventsPerDay + " a day", null);
        }
        Bucket bucket = buckets.computeIfAbsent(tenant, t -> Bucket.builder()
                .addLimit(limit -> limit.capacity(eventsPerDay).refillIntervally(eventsPerDay, Duration.ofDays(1)))
                .withCustomTimePrecision(clock).build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(events);
        if (probe.isConsumed()) {
            return;
        }
        Counter.builder("memlog_quota_exceeded").description("appends refused because their tenant's daily quota was spent")
                .register(metrics).increment();
        long retryAfter = RetryAfter.seconds(probe);
        throw new ApiException(429, "tenant " + tenant + " has appended its " + eventsPerDay + " events for the day ("
                + probe.getRemainingTokens() + " left, " + events + " asked); the allowance renews in " + retryAfter + " s",
                null, Map.of("retry_after_seconds", retryAfter, "quota_remaining", probe.getRemainingTokens()));
    }
}
