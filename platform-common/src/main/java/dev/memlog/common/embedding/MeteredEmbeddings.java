package dev.memlog.common.embedding;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;

/**
 * Every inference counted and timed: texts embedded ({@code memlog_embedded_texts}) and time in the model
 * ({@code memlog_embedding_seconds}), by model and by kind (document, query), so throughput can be compared with the
 * model's own.
 */
public final class MeteredEmbeddings implements EmbeddingProvider {
    private final EmbeddingProvider model;
    private final Counter documents;
    private final Counter queries;
    private final Timer documentTime;
    private final Timer queryTime;

    public MeteredEmbeddings(EmbeddingProvider model, MeterRegistry metrics) {
        this.model = model;
        this.documents = texts(metrics, "document");
        this.queries = texts(metrics, "query");
        this.documentTime = time(metrics, "document");
        this.queryTime = time(metrics, "query");
    }

    private Counter texts(MeterRegistry metrics, String kind) {
        return Counter.builder("memlog_embedded_texts").description("texts embedded").tag("model", model.modelId())
                .tag("kind", kind).register(metrics);
    }

    private Timer time(MeterRegistry metrics, String kind) {
        return Timer.builder("memlog_embedding").description("time in the embedding model, per call")
                .tag("model", model.modelId()).tag("kind", kind).register(metrics);
    }

    @Override
    public String modelId() {
        return model.modelId();
    }

    @Override
    public int dimension() {
        return model.dimension();
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        List<float[]> vectors = documentTime.record(() -> model.embedDocuments(texts));
        documents.increment(texts.size());
        return vectors;
    }

    @Override
    public float[] embedQuery(String query) {
        float[] vector = queryTime.record(() -> model.embedQuery(query));
        queries.increment();
        return vector;
    }
}
