package dev.memlog.query;

import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Principal;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.config.Env;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import dev.memlog.common.http.ScopedRoutes;
import dev.memlog.consolidation.ConsolidationRules;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * An analyst of a tenant (an admin key that reads across the tenant's owners) replays its log, or one owner's, up to a
 * moment, with the platform's consolidation rules or changed ones, follows it, reads the diff, and tears it down. One
 * replay runs at a time per instance; a finished one is torn down by itself after a while.
 */
final class ReplayRoutes {
    private final Map<String, String> platformRules;
    private final BiFunction<ReplayRequest, ConsolidationRules, AnalystReplay> replays;
    private final Duration keep;
    private final Map<String, AnalystReplay> known = new ConcurrentHashMap<>();

    /**
     * @param platformRules the consolidation settings the platform runs with, which a replay's rules change
     * @param keep how long a finished replay's scratch index is kept before it is torn down
     */
    ReplayRoutes(Map<String, String> platformRules, BiFunction<ReplayRequest, ConsolidationRules, AnalystReplay> replays,
                 Duration keep) {
        this.platformRules = Map.copyOf(platformRules);
        this.replays = replays;
        this.keep = keep;
    }

    void register(JavalinConfig config) {
        ScopedRoutes.of(config, Scope.ADMIN)
                .post("/v1/admin/replay", this::start)
                .get("/v1/admin/replay/{replay_id}", this::progress)
                .delete("/v1/admin/replay/{replay_id}", this::tearDown);
    }

    private synchronized void start(Context ctx) {
        Principal principal = Access.principal(ctx);
        if (!principal.tenantWideReads()) {
            throw new ApiException(403, "a replay reads the tenant's log: it takes a key with reads=tenant", "credential");
        }
        expire();
        if (known.values().stream().anyMatch(r -> !r.finished())) {
            throw new ApiException(409, "a replay is running on this instance; follow it or try again when it is done", "replay");
        }
        var request = ReplayRequest.parse(principal.tenant(), Json.body(ctx));
        ConsolidationRules rules;
        try {
            rules = ConsolidationRules.from(new Env(platformRules).with(request.rules()), Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("rules", "rules: " + e.getMessage());
        }
        var replay = replays.apply(request, rules);
        known.put(replay.id(), replay);
        Thread.ofPlatform().name("analyst-replay").daemon().start(replay);
        ctx.status(202).json(replay.progress());
    }

    private void progress(Context ctx) {
        expire();
        ctx.json(owned(ctx).progress());
    }

    private void tearDown(Context ctx) {
        AnalystReplay replay = owned(ctx);
        if (!replay.finished()) {
            throw new ApiException(409, "the replay is still running; tear it down once it is done", "replay_id");
        }
        replay.tearDown();
        known.remove(replay.id());
        ctx.json(replay.progress());
    }

    /** The caller's tenant's replay: another tenant's is as unknown as one that never was. */
    private AnalystReplay owned(Context ctx) {
        AnalystReplay replay = known.get(ctx.pathParam("replay_id"));
        if (replay == null || !replay.tenant().equals(Access.tenant(ctx))) {
            throw new ApiException(404, "no such replay on this instance (finished ones are torn down after "
                    + keep.toMinutes() + " minutes)", "replay_id");
        }
        return replay;
    }

    private void expire() {
        Instant before = Instant.now().minus(keep);
        known.values().removeIf(r -> {
            var finished = r.progress().finishedAt();
            if (finished != null && finished.isBefore(before)) {
                r.tearDown();
                return true;
            }
            return false;
        });
    }
}
