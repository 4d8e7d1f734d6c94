package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.MemoryOwner;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReplayRequestTest {
    static ReplayRequest parse(String json) throws Exception {
        return ReplayRequest.parse("acme", Json.mapper().readTree(json));
    }

    static ApiException refused(String json) {
        try {
            parse(json);
        } catch (ApiException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("accepted " + json);
    }

    @Test
    void anOwnerAMomentAndRulesByTheirSettingNames() throws Exception {
        var request = parse("""
                {"user_id":"ann","until":"2023-03-03T23:59:59Z","rules":{"FACT_EXTRACTOR":"none","FORGET_BELOW":0.1}}""");
        assertThat(request.ownerKey()).isEqualTo(MemoryOwner.of("acme", "ann", null).key());
        assertThat(request.until()).isEqualTo(Instant.parse("2023-03-03T23:59:59Z"));
        assertThat(request.rules()).containsEntry("FACT_EXTRACTOR", "none").containsEntry("FORGET_BELOW", "0.1");
        assertThat(parse("{}").ownerKey()).as("the whole tenant").isNull();
    }

    @Test
    void hostileOrUnknownFieldsAreRefusedNamingTheField() {
        assertThat(refused("{\"user_id\":\"a.*b\\\\\\u0000\"}").field()).isEqualTo("user_id");
        assertThat(refused("{\"user_id\":\"ann\",\"agent_id\":\"bot\"}").field()).isEqualTo("agent_id");
        assertThat(refused("{\"until\":\"yesterday\"}").field()).isEqualTo("until");
        assertThat(refused("{\"rules\":[\"FACT_EXTRACTOR\"]}").field()).isEqualTo("rules");
        // where a model is reached, or anything not a consolidation rule, is not the replay's to change
        assertThat(refused("{\"rules\":{\"LLM_BASE_URL\":\"http://169.254.169.254/\"}}").field()).isEqualTo("rules.LLM_BASE_URL");
        assertThat(refused("{\"rules\":{\"KAFKA_BOOTSTRAP_SERVERS\":\"x:1\"}}").field()).isEqualTo("rules.KAFKA_BOOTSTRAP_SERVERS");
        assertThat(refused("{\"rules\":{\"FACT\\u001b[2J\":\"none\"}}").field()).isEqualTo("rules.FACT\\u001b[2J");
        assertThat(refused("{\"rules\":{\"FACT_EXTRACTOR\":{\"x\":1}}}").field()).isEqualTo("rules.FACT_EXTRACTOR");
        assertThat(refused("{\"rules\":{\"FACT_EXTRACTOR\":\"" + "x".repeat(300) + "\"}}").field()).isEqualTo("rules.FACT_EXTRACTOR");
        assertThatThrownBy(() -> parse("[]")).isInstanceOf(ApiException.class);
    }
}
