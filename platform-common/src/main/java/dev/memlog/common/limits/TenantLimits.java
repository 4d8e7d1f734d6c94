package dev.memlog.common.limits;

import dev.memlog.common.config.Env;
import dev.memlog.common.limits.TenantRateLimits.Kind;
import dev.memlog.common.limits.TenantRateLimits.Rate;
import java.util.Map;

/** How much each tenant may ask of one instance: requests a second by kind, and events appended a day. */
public record TenantLimits(Map<Kind, Rate> rates, long eventsPerDay) {
    public TenantLimits {
        rates = Map.copyOf(rates);
    }

    /**
     * RATE_LIMIT_WRITES_PER_SECOND / _BURST (500 / 1000), RATE_LIMIT_READS_PER_SECOND / _BURST (200 / 400),
     * RATE_LIMIT_ADMIN_PER_SECOND / _BURST (10 / 20), QUOTA_EVENTS_PER_DAY (0: none); a rate of 0 is no limit.
     */
    public static TenantLimits from(Env env) {
        return new TenantLimits(Map.of(
                Kind.WRITE, new Rate(env.longValue("RATE_LIMIT_WRITES_PER_SECOND", 500), env.longValue("RATE_LIMIT_WRITES_BURST", 1000)),
                Kind.READ, new Rate(env.longValue("RATE_LIMIT_READS_PER_SECOND", 200), env.longValue("RATE_LIMIT_READS_BURST", 400)),
                Kind.ADMIN, new Rate(env.longValue("RATE_LIMIT_ADMIN_PER_SECOND", 10), env.longValue("RATE_LIMIT_ADMIN_BURST", 20))),
                env.longValue("QUOTA_EVENTS_PER_DAY", 0));
    }

    /** No limit on anything. */
    public static TenantLimits none() {
        return new TenantLimits(Map.of(), 0);
    }
}
