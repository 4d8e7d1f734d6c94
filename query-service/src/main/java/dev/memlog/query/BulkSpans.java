package dev.memlog.query;

import dev.memlog.common.tracing.Tracing;
import dev.memlog.schemas.TraceHeaders;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;

/**
 * A bulk write is a span in the trace of every record it carries (one span per distinct parent named in the records'
 * {@code traceparent}), so the trace an append started reaches the write that makes it searchable.
 */
final class BulkSpans implements AutoCloseable {
    private final List<Span> spans;

    private BulkSpans(List<Span> spans) {
        this.spans = spans;
    }

    static BulkSpans start(List<Headers> records, String index, int operations) {
        Map<SpanContext, io.opentelemetry.context.Context> parents = new LinkedHashMap<>();
        for (Headers headers : records) {
            var context = TraceHeaders.extract(headers);
            var parent = Span.fromContext(context).getSpanContext();
            if (parent.isValid()) {
                parents.putIfAbsent(parent, context);
            }
        }
        List<Span> spans = new ArrayList<>(parents.size());
        var tracer = Tracing.tracer("memlog.materializer");
        parents.values().forEach(parent -> spans.add(tracer.spanBuilder("materialize " + index).setParent(parent)
                .setSpanKind(SpanKind.CONSUMER).setAttribute("db.system.name", "opensearch")
                .setAttribute("db.operation.name", "bulk").setAttribute("memlog.bulk.operations", operations)
                .setAttribute("memlog.bulk.records", records.size()).startSpan()));
        return new BulkSpans(spans);
    }

    void failed(Throwable e) {
        spans.forEach(span -> span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName()));
    }

    @Override
    public void close() {
        spans.forEach(Span::end);
    }
}
