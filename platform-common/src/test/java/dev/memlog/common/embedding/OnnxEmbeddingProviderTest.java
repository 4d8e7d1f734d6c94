package dev.memlog.common.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class OnnxEmbeddingProviderTest {
    static final List<String> TEXTS = List.of("I moved to Lisbon in May", "The garden needs watering twice a week",
            "Ann plays the violin on Sundays");

    @Test
    void oneThreadPerInferenceGivesTheModelsOwnVectors() {
        var ours = OnnxEmbeddingProvider.fromSetting("bge-small-en-v1.5-q", false);
        var stock = new BgeSmallEnV15QuantizedEmbeddingModel();
        List<float[]> vectors = ours.embedDocuments(TEXTS);
        for (int i = 0; i < TEXTS.size(); i++) {
            float[] expected = stock.embed(TextSegment.from(TEXTS.get(i))).content().vector();
            assertThat(vectors.get(i)).as(TEXTS.get(i)).containsExactly(expected, within(1e-5f));
        }
        assertThat(ours.embedQuery(TEXTS.getFirst())).containsExactly(vectors.getFirst(), within(1e-5f));
    }

    @Test
    void manyVirtualThreadsAtOnceGetTheSameVectorsAsOne() throws Exception {
        var model = OnnxEmbeddingProvider.fromSetting("all-minilm-l6-v2-q");
        float[] expected = model.embedQuery("where do I live?");
        try (var virtual = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<float[]>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                answers.add(virtual.submit(() -> model.embedQuery("where do I live?")));
            }
            for (var answer : answers) {
                assertThat(answer.get()).containsExactly(expected, within(1e-6f));
            }
        }
    }
}
