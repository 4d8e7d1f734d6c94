package dev.memlog.query;

import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.ScopedRoutes;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.function.Supplier;

/**
 * An operator rebuilds the live index into a new generation and swaps the alias to it (one at a time, with the
 * platform's service credential: it spans every tenant), and follows its progress.
 */
final class RebuildRoutes {
    private final Supplier<GenerationRebuild> rebuilds;
    private volatile GenerationRebuild latest;

    RebuildRoutes(Supplier<GenerationRebuild> rebuilds) {
        this.rebuilds = rebuilds;
    }

    void register(JavalinConfig config) {
        ScopedRoutes.of(config, Scope.SERVICE).post("/v1/admin/rebuild", this::start).get("/v1/admin/rebuild", this::progress);
    }

    private synchronized void start(Context ctx) {
        if (latest != null && !latest.finished()) {
            throw new ApiException(409, "a rebuild is running: GET /v1/admin/rebuild follows it", "rebuild");
        }
        latest = rebuilds.get();
        Thread.ofPlatform().name("index-rebuild").daemon().start(latest);
        ctx.status(202).json(latest.progress());
    }

    private void progress(Context ctx) {
        GenerationRebuild current = latest;
        if (current == null) {
            throw new ApiException(404, "no rebuild since this instance started", "rebuild");
        }
        ctx.json(current.progress());
    }
}
