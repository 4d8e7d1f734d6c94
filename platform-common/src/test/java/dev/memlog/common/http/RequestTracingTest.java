package dev.memlog.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.common.tracing.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** A request is a server span under the caller's traceparent, with a request id, and its log lines carry both. */
class RequestTracingTest {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final HttpClient http = HttpClient.newHttpClient();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger routeLog = (Logger) LoggerFactory.getLogger("test.route");
    private ServiceServer server;

    @BeforeEach
    void start() {
        Tracing.install(OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build());
        logs.start();
        routeLog.addAppender(logs);
        server = ServiceServer.start("test-service", "127.0.0.1", 0, 1024, Metrics.registry("test-service"),
                Map.of(), new Access(List.of(new ServiceToken(GracefulShutdownTest.TOKEN))), c -> ScopedRoutes.of(c, Scope.PUBLIC)
                        .get("/v1/items/{id}", ctx -> {
                            routeLog.info("serving {}", ctx.pathParam("id"));
                            ctx.result("ok");
                        })
                        .get("/v1/fail", ctx -> {
                            throw new IllegalStateException("boom");
                        }));
    }

    @AfterEach
    void stop() {
        server.close();
        routeLog.detachAppender(logs);
        Tracing.install(OpenTelemetry.noop());
    }

    @Test
    void aRequestIsAServerSpanUnderTheCallersTraceNamedForItsRoute() throws Exception {
        var response = get("/v1/items/42", Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-01"));
        assertThat(response.statusCode()).isEqualTo(200);
        SpanData span = onlySpan();
        assertThat(span.getTraceId()).isEqualTo(TRACE);
        assertThat(span.getParentSpanId()).isEqualTo(PARENT);
        assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(span.getName()).isEqualTo("GET /v1/items/{id}");
        assertThat(span.getAttributes().asMap().toString()).contains("http.response.status_code=200");
    }

    @Test
    void logLinesWrittenWhileServingCarryTheTraceAndRequestIds() throws Exception {
        var response = get("/v1/items/7", Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-01", "X-Request-Id", "req-123"));
        assertThat(response.headers().firstValue("X-Request-Id")).hasValue("req-123");
        ILoggingEvent line = logs.list.stream().filter(e -> e.getFormattedMessage().equals("serving 7")).findFirst().orElseThrow();
        assertThat(line.getMDCPropertyMap()).containsEntry("trace_id", TRACE).containsEntry("request_id", "req-123")
                .containsEntry("span_id", onlySpan().getSpanId());
    }

    @Test
    void aFailedRequestIsAnErrorSpan() throws Exception {
        assertThat(get("/v1/fail", Map.of()).statusCode()).isEqualTo(500);
        assertThat(onlySpan().getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "id\twith\ttabs", "<script>", "${jndi:ldap://x}", "(.*)+$", "x\\y",
            "0123456789012345678901234567890123456789012345678901234567890123456789"})
    void aRequestIdThatIsNotAPlainTokenIsReplacedNotEchoed(String hostile) throws Exception {
        var response = http.send(HttpRequest.newBuilder(URI.create(base() + "/v1/items/1"))
                .header("X-Request-Id", hostile).build(), HttpResponse.BodyHandlers.ofString());
        String echoed = response.headers().firstValue("X-Request-Id").orElseThrow();
        assertThat(echoed).isNotEqualTo(hostile).matches("[0-9a-f-]{36}");
    }

    @Test
    void aMalformedTraceparentStartsANewTrace() throws Exception {
        get("/v1/items/1", Map.of("traceparent", "00-zz-" + PARENT + "-01"));
        SpanData span = onlySpan();
        assertThat(span.getTraceId()).isNotEqualTo(TRACE).hasSize(32);
        assertThat(span.getParentSpanContext().isValid()).isFalse();
    }

    private SpanData onlySpan() {
        assertThat(spans.getFinishedSpanItems()).hasSize(1);
        return spans.getFinishedSpanItems().getFirst();
    }

    private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(base() + path));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String base() {
        return "http://127.0.0.1:" + server.port();
    }
}
