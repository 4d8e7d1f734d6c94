package dev.memlog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.http.Json;
import org.junit.jupiter.api.Test;

class RebuildCommandTest {
    @Test
    void progressIsABarWithTheRecordsTheRateAndTheTimeLeft() throws Exception {
        var halfway = Json.mapper().readTree("""
                {"state":"copying","records":5000,"total":10000,"records_per_second":2500.4,"eta_seconds":2}""");
        assertThat(RebuildCommand.line(halfway))
                .isEqualTo("[###############...............]  50% 5,000/10,000 records 2,500/s ETA 2 s copying");
        var empty = Json.mapper().readTree("""
                {"state":"done","records":0,"total":0,"records_per_second":0,"eta_seconds":null}""");
        assertThat(RebuildCommand.line(empty)).startsWith("[" + "#".repeat(30) + "] 100% 0/0").endsWith("done");
    }

    @Test
    void theRequestNamesOnlyWhatWasGivenAndWaitingShowsTheLag() throws Exception {
        assertThat(RebuildCommand.body(null, null, null)).isEqualTo("{}");
        assertThat(Json.mapper().readTree(RebuildCommand.body("green", "all-minilm-l6-v2-q", null)).properties())
                .extracting(java.util.Map.Entry::getKey).containsExactly("derivation", "embedding_model");
        // a hostile name travels as JSON text, for the service to refuse by name
        assertThat(Json.mapper().readTree(RebuildCommand.body("\"}", null, null)).path("derivation").asText()).isEqualTo("\"}");
        var waiting = Json.mapper().readTree("""
                {"state":"waiting for memlog-consolidation-green","records":100,"total":100,"records_per_second":50,
                 "eta_seconds":0,"consolidation_lag":12345}""");
        assertThat(RebuildCommand.line(waiting)).endsWith("waiting for memlog-consolidation-green (lag 12,345)");
    }
}
