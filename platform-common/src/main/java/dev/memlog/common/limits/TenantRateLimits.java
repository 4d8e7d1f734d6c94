package dev.memlog.common.limits;

import dev.memlog.common.auth.Principal;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ApiException;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.javalin.security.RouteRole;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each tenant's requests per second, by kind (writes, reads, admin), so one tenant's runaway agent slows only that
 * tenant: a token bucket per tenant and kind (Bucket4j), and a 429 with Retry-After once it is empty (checked by
 * {@link dev.memlog.common.auth.Access} once the credential is known). The service
 * credential is never limited. Buckets are per instance: with N replicas a tenant gets up to N times the rate.
 */
public final class TenantRateLimits {
    /** How fast one kind of request may come, and how many may come at once; a rate of 0 means unlimited. */
    public record Rate(long perSecond, long burst) {
        public Rate {
            if (perSecond < 0 || burst < 0) {
                throw new IllegalArgumentException("rate limits cannot be negative");
            }
            burst = perSecond == 0 ? 0 : Math.max(burst, perSecond);
        }

        boolean unlimited() {
            return perSecond == 0;
        }
    }

    /** The kinds of request, each with its own bucket per tenant. */
    public enum Kind { WRITE, READ, ADMIN }

    private final Map<Kind, Rate> rates;
    private final TimeMeter clock;
    private final MeterRegistry metrics;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public TenantRateLimits(Map<Kind, Rate> rates, TimeMeter clock, MeterRegistry metrics) {
        this.rates = Map.copyOf(rates);
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Takes one request from the tenant's bucket for the route's kind; the service credential passes freely. */
    public void admit(Principal principal, Set<RouteRole> roles) {
        if (principal.isService()) {
            return;
        }
        take(principal.tenant(), kindOf(roles));
    }

    static Kind kindOf(Set<RouteRole> roles) {
        if (roles.contains(Scope.WRITE)) {
            return Kind.WRITE;
        }
        return roles.contains(Scope.ADMIN) || roles.contains(Scope.ERASE) ? Kind.ADMIN : Kind.READ;
    }

    void take(String tenant, Kind kind) {
        Rate rate = rates.get(kind);
        if (rate == null || rate.unlimited()) {
            return;
        }
        Bucket bucket = buckets.computeIfAbsent(tenant + '\u001f' + kind, k -> Bucket.builder()
                .addLimit(limit -> limit.capacity(rate.burst()).refillGreedy(rate.perSecond(), Duration.ofSeconds(1)))
                .withCustomTimePrecision(clock).build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (probe.isConsumed()) {
            return;
        }
        long retryAfter = RetryAfter.seconds(probe);
        Counter.builder("memlog_rate_limited").tag("kind", kind.name().toLowerCase(Locale.ROOT))
                .description("requests refused because their tenant exceeded its rate").register(metrics).increment();
        throw new ApiException(429, "tenant " + tenant + " exceeds " + rate.perSecond() + " " + kind.name().toLowerCase(Locale.ROOT)
                + " requests a second (bursts of " + rate.burst() + "); retry after " + retryAfter + " s", null,
                Map.of("retry_after_seconds", retryAfter));
    }
}
