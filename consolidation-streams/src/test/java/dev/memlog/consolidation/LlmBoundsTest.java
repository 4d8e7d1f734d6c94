package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.config.Env;
import dev.memlog.testkit.OpenAiCompatibleStub;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An LLM call inside consolidation's transaction is bounded: a slow endpoint costs at most its timeout a few times,
 * then the circuit breaker answers at once and the offline path decides, so no transaction nears its timeout.
 */
class LlmBoundsTest {

    @Test
    void aSlowEndpointIsCutOffAtTheTimeoutAndThenNotWaitedForAtAll() {
        try (var stub = new OpenAiCompatibleStub(body -> "[]")) {
            stub.delay(Duration.ofSeconds(10));
            var llm = ConsolidationService.llm(new Env(Map.of("LLM_BASE_URL", stub.baseUrl(), "LLM_TIMEOUT_MS", "500")));
            var extractor = new LlmFactExtractor(llm.client(), new RuleFactExtractor());
            var utterance = new FactExtractor.Utterance("Ann", "user", "I live in Leeds.", false);

            long[] took = new long[8];
            for (int i = 0; i < took.length; i++) {
                long started = System.nanoTime();
                // the rules answer each time the model does not
                assertThat(extractor.extract(utterance)).extracting(Fact::statement).containsExactly("Ann lives in Leeds.");
                took[i] = (System.nanoTime() - started) / 1_000_000;
            }
            for (int i = 0; i < 4; i++) {
                assertThat(took[i]).as("call %d waits no longer than the timeout", i).isLessThan(2_000);
            }
            for (int i = 5; i < took.length; i++) {
                assertThat(took[i]).as("call %d is refused at once by the open breaker", i).isLessThan(100);
            }
            assertThat(stub.requests().size()).as("no retries, and none while open").isLessThanOrEqualTo(5);
        }
    }

    @Test
    void aTimeoutTooLongForATransactionIsRefusedAtStartUp() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConsolidationService.llm(new Env(Map.of(
                "LLM_BASE_URL", "http://127.0.0.1:1/v1", "LLM_TIMEOUT_MS", "20000")))).hasMessageContaining("at most 5000");
    }
}
