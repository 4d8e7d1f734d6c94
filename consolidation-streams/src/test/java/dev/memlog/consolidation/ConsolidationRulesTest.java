package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.common.config.Env;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsolidationRulesTest {
    static ConsolidationRules rules(Map<String, String> settings) {
        return ConsolidationRules.from(new Env(settings), Clock.systemUTC());
    }

    @Test
    void theSettingsAReplayMayChangeAreTheRulesNotWhereAModelIsReached() {
        assertThat(ConsolidationRules.settingNames())
                .contains("FACT_EXTRACTOR", "SUMMARIZER", "IMPORTANCE_SCORER", "FORGET_BELOW", "SESSION_GAP_MINUTES",
                        "EMBED_PREVIOUS_TURN")
                .noneMatch(name -> name.startsWith("LLM_") || name.startsWith("KAFKA_") || name.equals("SERVICE_TOKEN"));
    }

    @Test
    void anUnknownSummarizerOrExtractorOrAModelWithoutEndpointIsRefusedByName() {
        assertThatThrownBy(() -> rules(Map.of("SUMMARIZER", "centrallity"))).hasMessageContaining("SUMMARIZER must be one of");
        assertThatThrownBy(() -> rules(Map.of("FACT_EXTRACTOR", "llm"))).hasMessageContaining("FACT_EXTRACTOR=llm needs LLM_BASE_URL");
        assertThat(rules(Map.of("FACT_EXTRACTOR", "LLM", "LLM_BASE_URL", "http://127.0.0.1:1/v1")).callsLlm()).isTrue();
        assertThat(rules(Map.of()).callsLlm()).isFalse();
        assertThat(rules(Map.of("SUMMARIZER", "none")).summaries().enabled()).isFalse();
    }

    @Test
    void theContextVectorIsJointOrMeanAndNothingElse() {
        assertThat(rules(Map.of("CONTEXT_VECTOR", "Mean")).contextVector()).isEqualTo(EpisodeRecorder.ContextVector.MEAN);
        assertThatThrownBy(() -> rules(Map.of("CONTEXT_VECTOR", "me(an|dian)\\\u0000")))
                .hasMessage("CONTEXT_VECTOR must be one of joint, mean");
        assertThat(ConsolidationRules.settingNames()).as("a replay may compare them").contains("CONTEXT_VECTOR");
    }
}
