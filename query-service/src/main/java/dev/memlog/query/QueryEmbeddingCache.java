package dev.memlog.query;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.memlog.common.embedding.EmbeddingProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.util.List;

/**
 * A query asked again is not embedded again: query vectors kept by their text, up to a bound in bytes (a long query
 * weighs what it holds), so agents repeating a question, or many asking the same, cost no inference. Documents pass
 * through.
 */
final class QueryEmbeddingCache implements EmbeddingProvider {
    /** Bytes an entry holds beside its text and vector: the cache's node and the array headers, about. */
    private static final int ENTRY_OVERHEAD = 96;
    private final EmbeddingProvider model;
    private final Cache<String, float[]> vectors;

    private QueryEmbeddingCache(EmbeddingProvider model, long maxBytes) {
        this.model = model;
        this.vectors = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .<String, float[]>weigher((query, vector) -> ENTRY_OVERHEAD + 2 * query.length() + 4 * vector.length)
                .recordStats()
                .executor(Runnable::run) // evictions on the calling thread: the bound holds when a call returns
                .build();
    }

    /** {@code model}, its query vectors cached in at most {@code maxBytes}; the model itself when that is 0 or less. */
    static EmbeddingProvider of(EmbeddingProvider model, long maxBytes, MeterRegistry metrics) {
        if (maxBytes <= 0) {
            return model;
        }
        var cached = new QueryEmbeddingCache(model, maxBytes);
        CaffeineCacheMetrics.monitor(metrics, cached.vectors, "memlog_query_embeddings", Tags.of("model", model.modelId()));
        return cached;
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
        return model.embedDocuments(texts);
    }

    @Override
    public float[] embedQuery(String query) {
        // a copy: a caller changing its vector must not change the next caller's
        return vectors.get(query, model::embedQuery).clone();
    }

    long size() {
        vectors.cleanUp();
        return vectors.estimatedSize();
    }
}
