package dev.memlog.common.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.common.auth.Principal;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.config.Env;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.limits.TenantRateLimits.Kind;
import dev.memlog.common.limits.TenantRateLimits.Rate;
import io.github.bucket4j.TimeMeter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.javalin.security.RouteRole;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** One tenant's rate and quota, on a clock the test moves: a 429 with when to retry, and nobody else slowed. */
class TenantLimitsTest {
    /** A clock that moves only when told, so no assertion depends on how fast the machine is. */
    static final class ManualClock implements TimeMeter {
        final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        @Override
        public long currentTimeNanos() {
            return nanos.get();
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }

        void advanceSeconds(double seconds) {
            nanos.addAndGet((long) (seconds * 1e9));
        }
    }

    static final Set<RouteRole> WRITE = Set.of(Scope.WRITE);
    static final Set<RouteRole> READ = Set.of(Scope.READ);
    final ManualClock clock = new ManualClock();
    final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    static Principal of(String tenant) {
        return new Principal(tenant, tenant + "-agent", Set.of(Scope.READ, Scope.WRITE), false);
    }

    static void tooMany(Runnable call, long retryAfter) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.details()).containsEntry("retry_after_seconds", retryAfter);
            assertThat(e.getMessage()).contains("write requests a second");
        });
    }

    @Test
    void aTenantPastItsBurstWaitsForTheRefillWhileOthersAndOtherKindsPass() {
        var limits = new TenantRateLimits(Map.of(Kind.WRITE, new Rate(1, 2), Kind.READ, new Rate(100, 100)), clock, metrics);
        limits.admit(of("acme"), WRITE);
        limits.admit(of("acme"), WRITE);
        tooMany(() -> limits.admit(of("acme"), WRITE), 1);
        assertThatCode(() -> limits.admit(of("globex"), WRITE)).as("another tenant").doesNotThrowAnyException();
        assertThatCode(() -> limits.admit(of("acme"), READ)).as("acme's reads").doesNotThrowAnyException();
        assertThatCode(() -> limits.admit(Principal.service(), WRITE)).as("the service credential").doesNotThrowAnyException();

        clock.advanceSeconds(1);
        assertThatCode(() -> limits.admit(of("acme"), WRITE)).as("a second later").doesNotThrowAnyException();
        tooMany(() -> limits.admit(of("acme"), WRITE), 1);
        assertThat(metrics.counter("memlog_rate_limited", "kind", "write").count()).isEqualTo(2);
    }

    @Test
    void routesAreLimitedByTheKindTheirScopesSay() {
        assertThat(TenantRateLimits.kindOf(Set.of(Scope.WRITE))).isEqualTo(Kind.WRITE);
        assertThat(TenantRateLimits.kindOf(Set.of(Scope.READ))).isEqualTo(Kind.READ);
        assertThat(TenantRateLimits.kindOf(Set.of(Scope.FEEDBACK))).isEqualTo(Kind.READ);
        assertThat(TenantRateLimits.kindOf(Set.of(Scope.ERASE))).isEqualTo(Kind.ADMIN);
        assertThat(TenantRateLimits.kindOf(Set.of(Scope.ADMIN))).isEqualTo(Kind.ADMIN);
    }

    @Test
    void aRateOfZeroIsNoLimitAndTheDefaultsAreGenerous() {
        var limits = new TenantRateLimits(TenantLimits.from(new Env(Map.of("RATE_LIMIT_WRITES_PER_SECOND", "0"))).rates(), clock, metrics);
        for (int i = 0; i < 5000; i++) {
            limits.admit(of("acme"), WRITE);
        }
        var defaults = TenantLimits.from(new Env(Map.of()));
        assertThat(defaults.rates().get(Kind.WRITE)).isEqualTo(new Rate(500, 1000));
        assertThat(defaults.rates().get(Kind.READ)).isEqualTo(new Rate(200, 400));
        assertThat(defaults.eventsPerDay()).as("no quota unless one is set").isZero();
        assertThat(new Rate(50, 10).burst()).as("a burst below the rate would refuse a steady rate").isEqualTo(50);
        assertThatThrownBy(() -> new Rate(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDailyQuotaRefusesABatchWholeAndRenewsAfterADay() {
        var quota = new TenantQuota(5, clock, metrics);
        quota.consume("acme", 3);
        assertThatThrownBy(() -> quota.consume("acme", 3)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.details()).containsEntry("quota_remaining", 2L);
            assertThat((Long) e.details().get("retry_after_seconds")).isBetween(1L, 86_400L);
        });
        quota.consume("acme", 2);
        quota.consume("globex", 5);
        assertThatThrownBy(() -> quota.consume("acme", 6)).as("more than a day's allowance can never pass")
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(413));

        clock.advanceSeconds(86_400);
        assertThatCode(() -> quota.consume("acme", 5)).doesNotThrowAnyException();
        assertThatCode(() -> new TenantQuota(0, clock, metrics).consume("acme", 1_000_000)).as("0 is no quota")
                .doesNotThrowAnyException();
    }
}
