package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.embedding.EmbeddingProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.memlog.common.config.Env;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QueryEmbeddingCacheTest {

    /** A model that records what it was asked to embed; each vector holds the text's length and hash. */
    static final class Recording implements EmbeddingProvider {
        final List<String> queries = new ArrayList<>();

        @Override
        public String modelId() {
            return "recording";
        }

        @Override
        public int dimension() {
            return 4;
        }

        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            return texts.stream().map(Recording::vector).toList();
        }

        @Override
        public float[] embedQuery(String query) {
            queries.add(query);
            return vector(query);
        }

        static float[] vector(String text) {
            return new float[] {text.length(), text.hashCode(), 1, 0};
        }
    }

    @Test
    void aQueryAskedAgainIsNotEmbeddedAgain() {
        var model = new Recording();
        var cached = QueryEmbeddingCache.of(model, 1 << 20, new SimpleMeterRegistry());
        String hostile = "(a+)+$ \\ \u0000 ${jndi:x} .*?[";
        assertThat(cached.embedQuery(hostile)).containsExactly(Recording.vector(hostile));
        assertThat(cached.embedQuery(hostile)).containsExactly(Recording.vector(hostile));
        assertThat(cached.embedQuery("another")).containsExactly(Recording.vector("another"));
        assertThat(model.queries).containsExactly(hostile, "another");
    }

    @Test
    void aCallerChangingItsVectorDoesNotChangeTheNextCallers() {
        var cached = QueryEmbeddingCache.of(new Recording(), 1 << 20, new SimpleMeterRegistry());
        cached.embedQuery("q")[0] = 99;
        assertThat(cached.embedQuery("q")[0]).isEqualTo(1);
    }

    @Test
    void theCacheHoldsNoMoreThanItsBoundHugeQueriesIncluded() {
        var model = new Recording();
        var cached = (QueryEmbeddingCache) QueryEmbeddingCache.of(model, 64 * 1024, new SimpleMeterRegistry());
        String huge = "x".repeat(40_000); // 80 kB as a key: more than the whole bound, so never kept
        cached.embedQuery(huge);
        cached.embedQuery(huge);
        for (int i = 0; i < 2_000; i++) {
            cached.embedQuery("query " + i);
        }
        assertThat(model.queries.stream().filter(huge::equals)).hasSize(2);
        // each short entry weighs about 130 bytes: some hundreds fit in 64 kB, not two thousand
        assertThat(cached.size()).isBetween(100L, 600L);
    }

    @Test
    void documentsPassThroughAndNoBoundMeansNoCache() {
        var model = new Recording();
        assertThat(QueryEmbeddingCache.of(model, 0, new SimpleMeterRegistry())).isSameAs(model);
        var cached = QueryEmbeddingCache.of(model, 1 << 20, new SimpleMeterRegistry());
        assertThat(cached.embedDocuments(List.of("a", "bb"))).hasSize(2);
        assertThat(cached.modelId()).isEqualTo("recording");
        assertThat(cached.dimension()).isEqualTo(4);
        assertThat(model.queries).isEmpty();
    }

    @Test
    void theBoundIsAnOperatorsSettingThatTheLocalStacksOverridesKeep() {
        String token = "a-service-token-of-at-least-32-characters";
        assertThat(QueryService.Config.from(new Env(Map.of("SERVICE_TOKEN", token))).queryEmbeddingCacheBytes()).isEqualTo(32L << 20);
        var off = QueryService.Config.from(new Env(Map.of("SERVICE_TOKEN", token, "QUERY_EMBEDDING_CACHE_MB", "0")));
        assertThat(off.queryEmbeddingCacheBytes()).isZero();
        assertThat(off.withRetrieval(4, Duration.ofMillis(10), off.queryEmbeddingCacheBytes()).queryEmbeddingCacheBytes()).isZero();
        assertThat(off.withReplay(off.replay()).queryEmbeddingCacheBytes()).isZero();
    }
}
