package dev.memlog.consolidation;

import dev.memlog.common.tracing.Tracing;
import dev.memlog.schemas.TraceHeaders;
import dev.memlog.schemas.avro.MemoryEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Consolidating an event is a span in the trace its append started: the span is the child of the event's
 * {@code traceparent}, covers everything derived from the event in this sub-topology, and is the parent named in the
 * headers of every record derived from it, so the materializer's span joins the same trace.
 */
final class TracedConsolidation implements FixedKeyProcessor<String, MemoryEvent, MemoryEvent> {
    private FixedKeyProcessorContext<String, MemoryEvent> context;

    @Override
    public void init(FixedKeyProcessorContext<String, MemoryEvent> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, MemoryEvent> record) {
        var parent = TraceHeaders.extract(record.headers());
        Span span = Tracing.tracer("memlog.consolidation").spanBuilder("consolidate " + record.value().getKind())
                .setParent(parent).setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.destination.name", context.recordMetadata().map(m -> m.topic()).orElse(""))
                .setAttribute("messaging.kafka.partition", context.recordMetadata().map(m -> (long) m.partition()).orElse(-1L))
                .setAttribute("messaging.kafka.offset", context.recordMetadata().map(m -> m.offset()).orElse(-1L))
                .setAttribute("memlog.event_id", String.valueOf(record.value().getEventId()))
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            Tracing.toLogs(span);
            // the records derived downstream copy these headers: they name this span as their parent
            TraceHeaders.inject(io.opentelemetry.context.Context.current(), record.headers());
            context.forward(record);
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
            Tracing.clearLogs();
        }
    }
}
