package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.llm.LlmEndpoint;
import dev.memlog.testkit.OpenAiCompatibleStub;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The LLM importance scorer against a local server speaking the OpenAI chat-completions protocol. */
class LlmImportanceScorerTest {
    final SignalImportanceScorer signals = new SignalImportanceScorer();

    LlmImportanceScorer scorer(OpenAiCompatibleStub stub) {
        var endpoint = new LlmEndpoint(stub.baseUrl(), "rater", "key", Duration.ofSeconds(5));
        return new LlmImportanceScorer(endpoint.client(), signals);
    }

    @Test
    void theModelsRatingBecomesTheImportance() {
        try (var stub = new OpenAiCompatibleStub(body -> body.contains("peanuts") ? "9" : "Rating: 2")) {
            assertThat(scorer(stub).score("I am allergic to peanuts.", false)).isEqualTo(0.9);
            assertThat(scorer(stub).score("Nice weather today.", false)).isEqualTo(0.2);
            assertThat(stub.requests()).hasSize(2);
        }
    }

    @Test
    void explicitMemoriesNeedNoModelAndFailuresFallBackToTheSignals() {
        try (var stub = new OpenAiCompatibleStub(body -> "I would rather not say")) {
            String text = "Please remember that I always take the 8:15 train.";
            assertThat(scorer(stub).score(text, false)).isEqualTo(signals.score(text, false));
            assertThat(scorer(stub).score(text, true)).isEqualTo(0.9);
            assertThat(stub.requests()).hasSize(1);

            stub.failWith(500);
            assertThat(scorer(stub).score(text, false)).isEqualTo(signals.score(text, false));
        }
    }
}
