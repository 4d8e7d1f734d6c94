package dev.memlog.common.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeteredEmbeddingsTest {
    final EmbeddingProvider model = new EmbeddingProvider() {
        public String modelId() {
            return "m";
        }

        public int dimension() {
            return 1;
        }

        public List<float[]> embedDocuments(List<String> texts) {
            return texts.stream().map(t -> new float[] {t.length()}).toList();
        }

        public float[] embedQuery(String query) {
            return new float[] {-query.length()};
        }
    };

    @Test
    void everyTextEmbeddedIsCountedByKindAndItsCallTimed() {
        var metrics = new SimpleMeterRegistry();
        var metered = new MeteredEmbeddings(model, metrics);
        assertThat(metered.embedDocuments(List.of("a", "bb", "ccc"))).extracting(v -> v[0]).containsExactly(1f, 2f, 3f);
        metered.embedDocuments(List.of("dddd"));
        assertThat(metered.embedQuery("qq")).containsExactly(-2f);
        assertThat(metrics.get("memlog_embedded_texts").tags("model", "m", "kind", "document").counter().count()).isEqualTo(4);
        assertThat(metrics.get("memlog_embedded_texts").tags("kind", "query").counter().count()).isEqualTo(1);
        assertThat(metrics.get("memlog_embedding").tags("kind", "document").timer().count()).isEqualTo(2);
        assertThat(metered.modelId()).isEqualTo("m");
        assertThat(metered.dimension()).isEqualTo(1);
    }
}
