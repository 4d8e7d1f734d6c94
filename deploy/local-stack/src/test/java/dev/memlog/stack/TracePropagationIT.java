package dev.memlog.stack;

import dev.memlog.client.MemoryClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.config.Env;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.OnnxEmbeddingProvider;
import dev.memlog.common.http.Json;
import dev.memlog.common.tracing.Tracing;
import dev.memlog.consolidation.ConsolidationService;
import dev.memlog.ingest.IngestService;
import dev.memlog.query.QueryService;
import dev.memlog.registry.SchemaRegistryServer;
import dev.memlog.testkit.KafkaBroker;
import dev.memlog.testkit.OpenSearchNode;
import dev.memlog.testkit.TestCredentials;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One trace follows an append to the moment it is searchable: ingest's request and its publish, consolidation of the
 * event (through the traceparent header of the record in memory.events), the materializer's bulk write (through the
 * header of the derived record in memory.records), and a search sent in the same trace; all with the SDK's in-memory
 * exporter, on a real broker, registry and OpenSearch node.
 */
class TracePropagationIT {
    static final String KEY = "trace-key-0123456789abcdefghij";
    static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    static final String CALLER_SPAN = "b7ad6b7169203331";

    @TempDir
    static Path dir;
    static final Deque<AutoCloseable> started = new ArrayDeque<>();
    static final InMemorySpanExporter spans = InMemorySpanExporter.create();
    static MemoryClient client;

    @BeforeAll
    static void start() throws Exception {
        Tracing.install(OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build());
        started.push(() -> Tracing.install(OpenTelemetry.noop()));
        var openSearch = CompletableFuture.supplyAsync(() -> OpenSearchNode.start(dir.resolve("opensearch")));
        started.push(() -> openSearch.thenAccept(OpenSearchNode::close).join());
        try {
            var kafka = KafkaBroker.start(dir.resolve("kafka"));
            started.push(kafka);
            Map<String, String> vars = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "SERVICE_TOKEN", TestCredentials.SERVICE_TOKEN, "HTTP_HOST", "127.0.0.1",
                    "SCHEMA_REGISTRY_PORT", "0", "INGEST_PORT", "0", "CONSOLIDATION_PORT", "0", "QUERY_PORT", "0",
                    "API_KEYS", KEY + "=acme;scopes=read+write"));
            vars.putAll(Map.of("TOPIC_PARTITIONS", "2", "TOPIC_REPLICATION_FACTOR", "1", "STREAMS_STANDBY_REPLICAS", "0",
                    "STREAMS_STATE_DIR", dir.resolve("streams").toString(), "SUMMARIZER", "none", "FACT_EXTRACTOR", "none"));
            Env env = new Env(vars);
            var registry = new SchemaRegistryServer(SchemaRegistryServer.Config.from(env));
            started.push(registry);
            env = env.with(Map.of("SCHEMA_REGISTRY_URL", registry.url()));
            var ingest = new IngestService(IngestService.Config.from(env));
            started.push(ingest);
            EmbeddingProvider model = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q");
            var consolidation = new ConsolidationService(ConsolidationService.Config.from(env), model);
            started.push(consolidation);
            var query = new QueryService(QueryService.Config.from(env.with(Map.of("OPENSEARCH_URL",
                    openSearch.get(120, TimeUnit.SECONDS).url(), "CONSOLIDATION_URL", "http://127.0.0.1:" + consolidation.port()))), model);
            started.push(query);
            client = new MemoryClient("http://127.0.0.1:" + ingest.port(), "http://127.0.0.1:" + query.port(), KEY)
                    .withHeaders(Map.of("traceparent", "00-" + TRACE + "-" + CALLER_SPAN + "-01"));
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    @AfterAll
    static void stop() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("error while stopping: " + e.getMessage());
            }
        }
    }

    @Test
    void theSpansOfOneAppendToSearchablePathShareOneTrace() throws Exception {
        ObjectNode turn = Json.mapper().createObjectNode().put("user_id", "ann").put("session_id", "s1").put("role", "user")
                .put("content", "The harbour ferry to Ostrava leaves at seven");
        ObjectNode batch = Json.mapper().createObjectNode();
        batch.putArray("turns").add(turn);
        client.appendTurns(batch);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> client.search(
                Json.mapper().createObjectNode().put("query", "when does the ferry leave?").put("user_id", "ann").put("k", 3))
                .path("hits").toString().contains("harbour ferry to Ostrava"));

        SpanData append = await().atMost(Duration.ofSeconds(10)).until(() -> span("POST /v1/turns/batch"), Optional::isPresent).orElseThrow();
        SpanData publish = span("memory.events publish").orElseThrow();
        SpanData consolidate = await().atMost(Duration.ofSeconds(10)).until(() -> span("consolidate TURN"), Optional::isPresent).orElseThrow();
        SpanData materialize = await().alias("a materialize span under " + consolidate.getSpanId() + " among "
                        + spans.getFinishedSpanItems().stream().map(s -> s.getName() + "@" + s.getTraceId().substring(0, 6) + "/"
                                + s.getSpanId() + "<" + s.getParentSpanId()).toList()).atMost(Duration.ofSeconds(10))
                .until(() -> spansNamed("materialize").stream().filter(s -> s.getParentSpanId().equals(consolidate.getSpanId())).findFirst(),
                        Optional::isPresent).orElseThrow();
        SpanData search = span("POST /v1/search").orElseThrow();

        for (SpanData s : List.of(append, publish, consolidate, materialize, search)) {
            assertThat(s.getTraceId()).as(s.getName()).isEqualTo(TRACE);
        }
        // each step is the child of the one before it, across HTTP, two topics and the index write
        assertThat(append.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(append.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(publish.getParentSpanId()).isEqualTo(append.getSpanId());
        assertThat(consolidate.getParentSpanId()).isEqualTo(publish.getSpanId());
        assertThat(materialize.getParentSpanId()).isEqualTo(consolidate.getSpanId());
        assertThat(materialize.getAttributes().asMap().toString()).contains("db.operation.name=bulk");
        assertThat(search.getParentSpanId()).isEqualTo(CALLER_SPAN);
    }

    static Optional<SpanData> span(String name) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name) && s.getTraceId().equals(TRACE)).findFirst();
    }

    static List<SpanData> spansNamed(String prefix) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getName().startsWith(prefix) && s.getTraceId().equals(TRACE)).toList();
    }
}
