package dev.memlog.common.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP shell every service shares: JSON errors that name the problem (never a stack trace), liveness and
 * readiness probes, Prometheus metrics and request timing, on virtual threads.
 */
public final class ServiceServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServiceServer.class);

    private final String service;
    private final Javalin app;
    private final java.util.concurrent.atomic.AtomicBoolean draining;

    private ServiceServer(String service, Javalin app, java.util.concurrent.atomic.AtomicBoolean draining) {
        this.service = service;
        this.app = app;
        this.draining = draining;
    }

    /**
     * @param readiness named checks; the service is ready when all pass
     * @param access who may call which route: every route declares its scopes
     * @param routes    the service's own endpoints
     */
    public static ServiceServer start(String service, String host, int port, long maxRequestBytes,
                                      PrometheusMeterRegistry metrics, Map<String, BooleanSupplier> readiness, Access access,
                                      Consumer<JavalinConfig> routes) {
        return start(service, host, port, maxRequestBytes, metrics, Health.ready(readiness), access, routes);
    }

    /** @param health what the liveness, readiness and startup probes report */
    public static ServiceServer start(String service, String host, int port, long maxRequestBytes,
                                      PrometheusMeterRegistry metrics, Health health, Access access, Consumer<JavalinConfig> routes) {
        var draining = new java.util.concurrent.atomic.AtomicBoolean();
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = maxRequestBytes;
            config.jsonMapper(new JavalinJackson(Json.mapper(), true));
            // what the server itself refuses (a URI or headers too long) is a JSON error like any other
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            config.requestLogger.http((ctx, ms) -> timeRequest(metrics, ctx, ms));
            // one check before every matched route: a route that forgets to declare its scopes is refused, not open
            config.routes.beforeMatched(access::check);
            config.routes.get("/health/live", ctx -> probe(ctx, service, Health.run(health.liveness())), Scope.PUBLIC);
            config.routes.get("/health/ready", ctx -> {
                var checks = new LinkedHashMap<>(Health.run(health.readiness()));
                if (draining.get()) {
                    checks.put("shutdown", Health.Check.down("stopping: finishing what it has, taking nothing new"));
                }
                probe(ctx, service, checks);
            }, Scope.PUBLIC);
            config.routes.get("/health/started", ctx -> {
                boolean started = health.started().getAsBoolean();
                ctx.status(started ? 200 : 503).json(Map.of("status", started ? "UP" : "DOWN", "service", service));
            }, Scope.PUBLIC);
            config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()), Scope.PUBLIC);
            config.routes.exception(ApiException.class, (e, ctx) -> {
                if (e.details().get("retry_after_seconds") instanceof Number seconds) {
                    ctx.header("Retry-After", seconds.toString());
                }
                error(ctx, e.status(), e.getMessage(), e.field(), e.details());
            });
            config.routes.exception(JsonProcessingException.class, (e, ctx) ->
                    error(ctx, 400, "request body is not valid JSON: " + e.getOriginalMessage(), null));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(),
                    e.getStatus() == 413 ? "request body exceeds the limit of " + maxRequestBytes + " bytes" : e.getMessage(),
                    null));
            config.routes.exception(Exception.class, (e, ctx) -> {
                log.error("unhandled error on {} {}", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error", null);
            });
            config.routes.error(404, "*", ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty()) {
                    error(ctx, 404, "no route for " + ctx.method() + " " + ctx.path(), null);
                }
            });
            routes.accept(config);
        });
        app.start(host, port);
        log.info("{} listening on {}:{}", service, host, app.port());
        return new ServiceServer(service, app, draining);
    }

    /** Readiness answers DOWN from now on, so load balancers move away; requests are still served until close. */
    public void drain() {
        if (!draining.getAndSet(true)) {
            log.info("{} draining: readiness DOWN", service);
        }
    }

    public int port() {
        return app.port();
    }

    /** Every route the server answers, with the scopes it declares: for tests that check each one is guarded. */
    public java.util.List<Route> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream().map(p -> {
            var roles = p.endpoint.metadata(io.javalin.security.Roles.class);
            return new Route(p.endpoint.method.name(), p.endpoint.path,
                    roles == null ? java.util.Set.of() : java.util.Set.copyOf(roles.getRoles()));
        }).filter(r -> !r.method().equals("HEAD") && !r.method().equals("BEFORE") && !r.method().equals("AFTER")
                && !r.method().startsWith("BEFORE") && !r.method().startsWith("AFTER")).toList();
    }

    /** One route: its method, path and declared scopes. */
    public record Route(String method, String path, java.util.Set<io.javalin.security.RouteRole> scopes) {
    }

    private static void probe(Context ctx, String service, Map<String, Health.Check> checks) {
        boolean up = checks.values().stream().allMatch(Health.Check::up);
        Map<String, Object> results = new LinkedHashMap<>();
        checks.forEach((name, check) -> results.put(name, Map.of("status", check.up() ? "UP" : "DOWN",
                "detail", check.detail() == null ? "" : check.detail())));
        ctx.status(up ? 200 : 503).json(Map.of("status", up ? "UP" : "DOWN", "service", service, "checks", results));
    }

    private static void error(Context ctx, int status, String message, String field) {
        error(ctx, status, message, field, Map.of());
    }

    private static void error(Context ctx, int status, String message, String field, Map<String, Object> details) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("error", message);
        if (field != null) {
            body.put("field", field);
        }
        details.forEach(body::putIfAbsent);
        ctx.status(status).json(body);
    }

    private static void timeRequest(PrometheusMeterRegistry metrics, Context ctx, float ms) {
        String route;
        try {
            route = ctx.endpoint().path;
        } catch (RuntimeException e) {
            route = "unmatched";
        }
        Timer.builder("http_server_requests")
                .tag("method", ctx.method().name())
                .tag("route", route)
                .tag("status", Integer.toString(ctx.statusCode()))
                .publishPercentileHistogram(false)
                .register(metrics)
                .record((long) (ms * 1_000_000), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        log.info("{} stopping HTTP", service);
        app.stop();
    }
}
