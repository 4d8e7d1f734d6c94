package dev.memlog.common.tracing;

import dev.memlog.common.config.Env;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The process's OpenTelemetry: off (a no-op) unless OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_TRACES_EXPORTER is set, then
 * the SDK configured by the standard OTEL_* variables, exporting spans over OTLP. Trace context travels as W3C
 * {@code traceparent} in HTTP and Kafka headers; the current trace id is in every log line's MDC.
 */
public final class Tracing {
    private static final Logger log = LoggerFactory.getLogger(Tracing.class);
    public static final String TRACE_ID = "trace_id";
    public static final String SPAN_ID = "span_id";
    private static volatile OpenTelemetry current = OpenTelemetry.noop();

    private Tracing() {
    }

    /** Sets up tracing for a service from the environment, once, at start-up. */
    public static OpenTelemetry install(Env env, String serviceName) {
        boolean configured = env.optional("OTEL_EXPORTER_OTLP_ENDPOINT") != null
                || env.optional("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != null
                || env.optional("OTEL_TRACES_EXPORTER") != null;
        if (!configured || "true".equalsIgnoreCase(env.optional("OTEL_SDK_DISABLED"))) {
            return current;
        }
        OpenTelemetry sdk = AutoConfiguredOpenTelemetrySdk.builder()
                // metrics and logs have their own paths (Prometheus, stdout): only traces go over OTLP
                .addPropertiesSupplier(() -> Map.of("otel.service.name", env.string("OTEL_SERVICE_NAME", serviceName),
                        "otel.metrics.exporter", "none", "otel.logs.exporter", "none"))
                .build().getOpenTelemetrySdk();
        install(sdk);
        log.info("traces exported over OTLP to {}", env.string("OTEL_EXPORTER_OTLP_ENDPOINT", "the OTLP default"));
        return sdk;
    }

    /** Uses this OpenTelemetry from now on: a test's in-memory SDK, or one configured by the caller. */
    public static void install(OpenTelemetry openTelemetry) {
        current = openTelemetry;
    }

    public static OpenTelemetry get() {
        return current;
    }

    public static Tracer tracer(String instrumentation) {
        return current.getTracer(instrumentation);
    }

    /** Puts the span's trace and span ids in the MDC, so every log line written under it carries them. */
    public static void toLogs(Span span) {
        if (span.getSpanContext().isValid()) {
            MDC.put(TRACE_ID, span.getSpanContext().getTraceId());
            MDC.put(SPAN_ID, span.getSpanContext().getSpanId());
        }
    }

    public static void clearLogs() {
        MDC.remove(TRACE_ID);
        MDC.remove(SPAN_ID);
    }
}
