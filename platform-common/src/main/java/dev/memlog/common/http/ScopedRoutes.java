package dev.memlog.common.http;

import dev.memlog.common.auth.Scope;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;

/**
 * Routes that all require the same scopes, and take bodies up to the same size: a group declared once, so none of its
 * routes can leave them out.
 */
public final class ScopedRoutes {
    private final JavalinConfig config;
    private final Scope[] scopes;
    private final long maxBodyBytes;

    private ScopedRoutes(JavalinConfig config, long maxBodyBytes, Scope... scopes) {
        if (scopes.length == 0) {
            throw new IllegalArgumentException("a route group needs at least one scope");
        }
        this.config = config;
        this.scopes = scopes.clone();
        this.maxBodyBytes = maxBodyBytes;
    }

    public static ScopedRoutes of(JavalinConfig config, Scope... scopes) {
        return new ScopedRoutes(config, Long.MAX_VALUE, scopes);
    }

    /** The same scopes, for routes whose bodies may be at most {@code bytes} (below the server's own ceiling). */
    public ScopedRoutes withMaxBody(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a body limit must be positive");
        }
        return new ScopedRoutes(config, bytes, scopes);
    }

    public ScopedRoutes get(String path, Handler handler) {
        config.routes.get(path, limited(handler), scopes);
        return this;
    }

    public ScopedRoutes post(String path, Handler handler) {
        config.routes.post(path, limited(handler), scopes);
        return this;
    }

    public ScopedRoutes put(String path, Handler handler) {
        config.routes.put(path, limited(handler), scopes);
        return this;
    }

    public ScopedRoutes delete(String path, Handler handler) {
        config.routes.delete(path, limited(handler), scopes);
        return this;
    }

    private Handler limited(Handler handler) {
        if (maxBodyBytes == Long.MAX_VALUE) {
            return handler;
        }
        return ctx -> {
            requireBodyWithin(ctx, maxBodyBytes);
            handler.handle(ctx);
        };
    }

    /** A 413 for a body over {@code limit}: told by Content-Length, or counted when the body came chunked. */
    static void requireBodyWithin(Context ctx, long limit) {
        long length = ctx.contentLength();
        if (length < 0) {
            length = ctx.bodyAsBytes().length; // chunked: already bounded by the server's ceiling
        }
        if (length > limit) {
            throw new ApiException(413, "request body exceeds the limit of " + limit + " bytes for " + ctx.method() + " "
                    + ctx.endpoint().path, null);
        }
    }
}
