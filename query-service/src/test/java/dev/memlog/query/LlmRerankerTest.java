package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.Json;
import dev.memlog.common.llm.LlmEndpoint;
import dev.memlog.testkit.OpenAiCompatibleStub;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The LLM reranker against a local server speaking the OpenAI chat-completions protocol. */
class LlmRerankerTest {

    static LlmReranker reranker(OpenAiCompatibleStub stub) {
        var endpoint = new LlmEndpoint(stub.baseUrl(), "judge-1", "test-key", Duration.ofSeconds(5));
        return new LlmReranker(endpoint.client());
    }

    @Test
    void scoresComeFromTheModelsRatingsInPassageOrder() throws Exception {
        try (var stub = new OpenAiCompatibleStub(body -> "Here you go:\n```json\n{\"scores\": [2, 10, 5]}\n```")) {
            double[] scores = reranker(stub).scores("Where did Ann move?",
                    List.of("I like tea.", "Ann: We moved to Leeds in May.", "The weather was nice."));

            assertThat(scores).containsExactly(0.2, 1.0, 0.5);
            JsonNode request = Json.mapper().readTree(stub.requests().getFirst());
            assertThat(request.path("model").asText()).isEqualTo("judge-1");
            assertThat(request.path("temperature").asDouble()).isZero();
            assertThat(request.path("messages").get(0).path("role").asText()).isEqualTo("system");
            assertThat(request.path("messages").get(1).path("content").asText()).contains("Where did Ann move?")
                    .contains("[1] Ann: We moved to Leeds in May.");
        }
    }

    @Test
    void aReplyWithoutOneScorePerPassageIsAnError() {
        try (var stub = new OpenAiCompatibleStub(body -> "{\"scores\": [3]}")) {
            assertThatThrownBy(() -> reranker(stub).scores("q", List.of("a", "b")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("2 scores");
        }
        try (var stub = new OpenAiCompatibleStub(body -> "I cannot rate these.")) {
            assertThatThrownBy(() -> reranker(stub).scores("q", List.of("a")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("no JSON object");
        }
    }

    @Test
    void ratingsOutsideZeroToTenAreClamped() {
        assertThat(LlmReranker.parse("{\"scores\": [-3, 15, 7.5]}", 3)).containsExactly(0.0, 1.0, 0.75);
        assertThatThrownBy(() -> LlmReranker.parse("{\"scores\": [\"high\"]}", 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void longPassagesAreCutSoThePromptStaysBounded() {
        try (var stub = new OpenAiCompatibleStub(body -> "{\"scores\": [1]}")) {
            reranker(stub).scores("q", List.of("x".repeat(50_000)));
            assertThat(stub.requests().getFirst().length()).isLessThan(LlmReranker.MAX_CANDIDATE_CHARS + 2_000);
        }
    }

    @Test
    void choosingTheLlmRerankerWithoutAnEndpointIsAClearError() {
        assertThatThrownBy(() -> new RerankerChoice("llm", 0.3, null)).hasMessageContaining("LLM_BASE_URL");
        assertThatThrownBy(() -> new RerankerChoice("cross", 0.3, null)).hasMessageContaining("none, sentence, llm");
        assertThatThrownBy(() -> new RerankerChoice("none", 1.5, null)).hasMessageContaining("RERANK_WEIGHT");
        assertThat(RerankerChoice.none().create(null)).isNull();
    }
}
