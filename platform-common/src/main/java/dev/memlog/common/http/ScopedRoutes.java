package dev.memlog.common.http;

import dev.memlog.common.auth.Scope;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Handler;

/** Routes that all require the same scopes: a group declared once, so none of its routes can leave them out. */
public final class ScopedRoutes {
    private final JavalinConfig config;
    private final Scope[] scopes;

    private ScopedRoutes(JavalinConfig config, Scope... scopes) {
        if (scopes.length == 0) {
            throw new IllegalArgumentException("a route group needs at least one scope");
        }
        this.config = config;
        this.scopes = scopes.clone();
    }

    public static ScopedRoutes of(JavalinConfig config, Scope... scopes) {
        return new ScopedRoutes(config, scopes);
    }

    public ScopedRoutes get(String path, Handler handler) {
        config.routes.get(path, handler, scopes);
        return this;
    }

    public ScopedRoutes post(String path, Handler handler) {
        config.routes.post(path, handler, scopes);
        return this;
    }

    public ScopedRoutes put(String path, Handler handler) {
        config.routes.put(path, handler, scopes);
        return this;
    }

    public ScopedRoutes delete(String path, Handler handler) {
        config.routes.delete(path, handler, scopes);
        return this;
    }
}
