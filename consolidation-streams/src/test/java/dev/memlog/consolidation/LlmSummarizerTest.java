package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memlog.common.llm.LlmEndpoint;
import dev.memlog.testkit.OpenAiCompatibleStub;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The LLM summarizer against a local server speaking the OpenAI chat-completions protocol. */
class LlmSummarizerTest {

    static LlmSummarizer summarizer(OpenAiCompatibleStub stub) {
        var endpoint = new LlmEndpoint(stub.baseUrl(), "writer-1", "key", Duration.ofSeconds(5));
        return new LlmSummarizer(endpoint.client());
    }

    @Test
    void theModelGetsTheDatedTranscriptAndItsReplyIsTheSummary() throws Exception {
        try (var stub = new OpenAiCompatibleStub(body -> "  Ann moved to Leeds on 6 May 2023.  ")) {
            var turns = List.of(CentralitySummarizerTest.turn(0, "Ann", "We moved to Leeds last weekend.", 1, 0),
                    CentralitySummarizerTest.turn(1, "Bo", "Congratulations!", 0, 1));

            var summary = summarizer(stub).summarize(turns);

            assertThat(summary.text()).isEqualTo("Ann moved to Leeds on 6 May 2023.");
            assertThat(summary.lineSources()).as("an abstractive summary quotes no turn line by line").isEmpty();
            var request = new ObjectMapper().readTree(stub.requests().getFirst());
            assertThat(request.path("model").asText()).isEqualTo("writer-1");
            assertThat(request.path("messages").get(1).path("content").asText())
                    .contains("Conversation of 8 May 2023, 13:56 (UTC)")
                    .contains("Ann: We moved to Leeds last weekend.\nBo: Congratulations!");
            assertThat(summarizer(stub).name()).isEqualTo("llm:writer-1");
        }
    }

    @Test
    void anEmptyReplyOrAFailingEndpointIsAnErrorForTheFallbackToHandle() {
        var turns = List.of(CentralitySummarizerTest.turn(0, "Ann", "Hello", 1, 0));
        try (var stub = new OpenAiCompatibleStub(body -> " ")) {
            assertThatThrownBy(() -> summarizer(stub).summarize(turns)).hasMessageContaining("empty summary");
            stub.failWith(503);
            assertThatThrownBy(() -> summarizer(stub).summarize(turns)).isInstanceOf(RuntimeException.class);
        }
    }
}
