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
    /** Health and metrics when they have a port of their own; null when the API port serves them. */
    private final Javalin management;
    private final java.util.concurrent.atomic.AtomicBoolean draining;

    private ServiceServer(String service, Javalin app, Javalin management, java.util.concurrent.atomic.AtomicBoolean draining) {
        this.service = service;
        this.app = app;
        this.management = management;
        this.draining = draining;
    }

    /**
     * Where a service listens: its API on {@code port}, and health and metrics on {@code managementPort} when that is
     * set (0 picks a free one), so probes and scrapes never share the API's port, limits or network policy.
     */
    public record Listen(String host, int port, java.util.OptionalInt managementPort) {
        public static Listen api(String host, int port) {
            return new Listen(host, port, java.util.OptionalInt.empty());
        }

        /** HTTP_HOST and MANAGEMENT_PORT from the environment, with the service's own API port. */
        public static Listen from(dev.memlog.common.config.Env env, int port) {
            String management = env.optional("MANAGEMENT_PORT");
            int managementPort = management == null ? -1 : env.integer("MANAGEMENT_PORT", -1);
            if (management != null && (managementPort < 0 || managementPort > 65535)) {
                throw new IllegalArgumentException("MANAGEMENT_PORT must be a port number, was '" + management + "'");
            }
            if (managementPort > 0 && managementPort == port) {
                throw new IllegalArgumentException("MANAGEMENT_PORT cannot be the API port " + port);
            }
            return new Listen(env.string("HTTP_HOST", "0.0.0.0"), port,
                    managementPort < 0 ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(managementPort));
        }
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
        return start(service, Listen.api(host, port), maxRequestBytes, metrics, health, access, routes);
    }

    public static ServiceServer start(String service, Listen listen, long maxRequestBytes,
                                      PrometheusMeterRegistry metrics, Health health, Access access, Consumer<JavalinConfig> routes) {
        var draining = new java.util.concurrent.atomic.AtomicBoolean();
        var probes = new Probes(service, health, draining, metrics);
        Javalin management = listen.managementPort().isPresent() ? startManagement(service, listen, metrics, probes) : null;
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = maxRequestBytes;
            config.jsonMapper(new JavalinJackson(Json.mapper(), true));
            // what the server itself refuses (a URI or headers too long) is a JSON error like any other
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            config.requestLogger.http((ctx, ms) -> RequestTracing.end(ctx, timeRequest(metrics, ctx, ms)));
            config.routes.before(RequestTracing::begin);
            // one check before every matched route: a route that forgets to declare its scopes is refused, not open
            config.routes.beforeMatched(access::check);
            if (management == null) {
                probes.register(config);
            }
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
        try {
            app.start(listen.host(), listen.port());
        } catch (RuntimeException e) {
            if (management != null) {
                management.stop();
            }
            throw e;
        }
        log.info("{} listening on {}:{}{}", service, listen.host(), app.port(),
                management == null ? "" : ", health and metrics on port " + management.port());
        return new ServiceServer(service, app, management, draining);
    }

    private static Javalin startManagement(String service, Listen listen, PrometheusMeterRegistry metrics, Probes probes) {
        Javalin management = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = 1024;
            config.jsonMapper(new JavalinJackson(Json.mapper(), true));
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            probes.register(config);
            config.routes.error(404, "*", ctx -> error(ctx, 404, "no route for " + ctx.method() + " " + ctx.path()
                    + " on the management port", null));
        });
        management.start(listen.host(), listen.managementPort().getAsInt());
        return management;
    }

    /**
     * The probes and the scrape, and {@code memlog_ready}, 1 while readiness is UP: the last probe's answer, or a fresh
     * one when no probe came for a while, so alerts see flapping wherever the service runs.
     */
    private static final class Probes {
        private final String service;
        private final Health health;
        private final java.util.concurrent.atomic.AtomicBoolean draining;
        private final PrometheusMeterRegistry metrics;
        private volatile boolean lastReady;
        private volatile long lastProbeNanos = Long.MIN_VALUE;

        Probes(String service, Health health, java.util.concurrent.atomic.AtomicBoolean draining, PrometheusMeterRegistry metrics) {
            this.service = service;
            this.health = health;
            this.draining = draining;
            this.metrics = metrics;
            io.micrometer.core.instrument.Gauge.builder("memlog_ready", this, Probes::readyNow)
                    .description("1 while the service's readiness is UP").register(metrics);
        }

        Map<String, Health.Check> readiness() {
            var checks = new LinkedHashMap<>(Health.run(health.readiness()));
            if (draining.get()) {
                checks.put("shutdown", Health.Check.down("stopping: finishing what it has, taking nothing new"));
            }
            lastReady = checks.values().stream().allMatch(Health.Check::up);
            lastProbeNanos = System.nanoTime();
            return checks;
        }

        double readyNow() {
            if (lastProbeNanos == Long.MIN_VALUE || System.nanoTime() - lastProbeNanos > TimeUnit.SECONDS.toNanos(30)) {
                readiness();
            }
            return lastReady ? 1 : 0;
        }

        void register(JavalinConfig config) {
            config.routes.get("/health/live", ctx -> probe(ctx, service, Health.run(health.liveness())), Scope.PUBLIC);
            config.routes.get("/health/ready", ctx -> probe(ctx, service, readiness()), Scope.PUBLIC);
            config.routes.get("/health/started", ctx -> {
                boolean started = health.started().getAsBoolean();
                ctx.status(started ? 200 : 503).json(Map.of("status", started ? "UP" : "DOWN", "service", service));
            }, Scope.PUBLIC);
            config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()), Scope.PUBLIC);
        }
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

    /** The port health and metrics are served on: the management port if there is one, else the API's. */
    public int managementPort() {
        return management == null ? app.port() : management.port();
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

    /** @return the route the request matched, "unmatched" when none did */
    private static String timeRequest(PrometheusMeterRegistry metrics, Context ctx, float ms) {
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
                .serviceLevelObjectives(Metrics.LATENCY_BUCKETS)
                .register(metrics)
                .record((long) (ms * 1_000_000), TimeUnit.NANOSECONDS);
        return route;
    }

    @Override
    public void close() {
        log.info("{} stopping HTTP", service);
        app.stop();
        if (management != null) {
            management.stop();
        }
    }
}
