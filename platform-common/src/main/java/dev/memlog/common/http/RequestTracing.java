package dev.memlog.common.http;

import dev.memlog.common.tracing.Tracing;
import io.javalin.http.Context;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Every request is a server span, the child of the caller's {@code traceparent}, and has a request id (the caller's
 * {@code X-Request-Id} when it is a sane token, else a new one, echoed in the response); both are in the MDC of every
 * log line the request writes.
 */
final class RequestTracing {
    static final String REQUEST_ID_HEADER = "X-Request-Id";
    static final String REQUEST_ID = "request_id";
    private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final String SPAN = "memlog.span";
    private static final String SCOPE = "memlog.scope";

    private static final TextMapGetter<Context> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Context ctx) {
            return List.copyOf(ctx.headerMap().keySet());
        }

        @Override
        public String get(Context ctx, String name) {
            return ctx == null ? null : ctx.header(name);
        }
    };

    private RequestTracing() {
    }

    static void begin(Context ctx) {
        String given = ctx.header(REQUEST_ID_HEADER);
        // a request id ends up in logs and headers: anything but a plain token is replaced, never echoed
        String requestId = given != null && SANE_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
        ctx.header(REQUEST_ID_HEADER, requestId);
        MDC.put(REQUEST_ID, requestId);
        var parent = W3CTraceContextPropagator.getInstance().extract(io.opentelemetry.context.Context.root(), ctx, HEADERS);
        Span span = Tracing.tracer("memlog.http").spanBuilder("HTTP " + ctx.method().name()).setParent(parent)
                .setSpanKind(SpanKind.SERVER).setAttribute("http.request.method", ctx.method().name())
                .setAttribute("memlog.request_id", requestId).startSpan();
        ctx.attribute(SPAN, span);
        ctx.attribute(SCOPE, span.makeCurrent());
        Tracing.toLogs(span);
    }

    /** @param route the matched route's path, a low-cardinality span name */
    static void end(Context ctx, String route) {
        Span span = ctx.attribute(SPAN);
        Scope scope = ctx.attribute(SCOPE);
        if (span != null) {
            span.updateName(ctx.method().name() + " " + route);
            span.setAttribute("http.route", route);
            span.setAttribute("http.response.status_code", ctx.statusCode());
            if (ctx.statusCode() >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
        }
        if (scope != null) {
            scope.close();
        }
        Tracing.clearLogs();
        MDC.remove(REQUEST_ID);
    }
}
