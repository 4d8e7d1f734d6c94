package dev.memlog.query;

import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.ScopedRoutes;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The memory explorer's static page, open to all: it holds no memory and sends every request for one with the key or
 * token its user gives it, like any other client. Only its own files are served, by name.
 */
final class ExplorerRoutes {
    private static final Map<String, String> ASSETS = Map.of("index.html", "text/html; charset=utf-8",
            "explorer.js", "text/javascript; charset=utf-8", "explorer.css", "text/css; charset=utf-8");
    private final Map<String, byte[]> files;

    ExplorerRoutes() {
        this.files = Map.copyOf(ASSETS.keySet().stream().collect(java.util.stream.Collectors.toMap(n -> n, ExplorerRoutes::read)));
    }

    private static byte[] read(String name) {
        try (InputStream in = ExplorerRoutes.class.getResourceAsStream("/explorer/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void register(JavalinConfig config) {
        ScopedRoutes.of(config, Scope.PUBLIC).get("/explorer", ctx -> ctx.redirect("/explorer/index.html"))
                .get("/explorer/{asset}", this::asset);
    }

    private void asset(Context ctx) {
        String name = ctx.pathParam("asset");
        byte[] body = files.get(name);
        if (body == null) {
            throw new ApiException(404, "the explorer has no file " + ApiException.printable(name), "asset");
        }
        ctx.contentType(ASSETS.get(name));
        // the page runs only its own script and talks only to this service
        ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Cache-Control", "no-cache");
        ctx.result(body);
    }
}
