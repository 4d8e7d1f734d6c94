package dev.memlog.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.common.auth.Principal;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What an append request may say, judged before anything reaches the log. */
class EventRequestsTest {
    static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");
    final EventRequests requests = new EventRequests(4000, Duration.ofMinutes(5));

    static final Principal ACME = new Principal("acme", "acme-agent", Set.of(Scope.WRITE), false);
    static final Principal PLANNER = new Principal("acme", "planner-key", Set.of(Scope.WRITE), false, "planner", Set.of());

    EventRequests.Pending turn(String json) {
        return turn(ACME, json);
    }

    EventRequests.Pending turn(Principal writer, String json) {
        return requests.turn(writer, Json.parse(json.getBytes(StandardCharsets.UTF_8)), "", NOW);
    }

    static String withTimestamp(String timestamp) {
        return "{\"user_id\":\"a\",\"session_id\":\"s\",\"role\":\"user\",\"content\":\"hi\",\"timestamp\":\"" + timestamp + "\"}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a year ahead             | 2027-11-30T10:00:00Z       | in the future
            beyond the skew          | 2026-11-30T10:05:01Z       | in the future
            before 1970              | 1969-12-31T23:59:59Z       | before 1970
            past what Kafka stores   | +999999999-12-31T23:59:59Z | out of range
            """)
    void aTimestampTheLogCannotTakeIsA400NamingTimestamp(String caseName, String timestamp, String says) {
        assertThatThrownBy(() -> turn(withTimestamp(timestamp))).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.field()).isEqualTo("timestamp");
            assertThat(e.getMessage()).contains(says);
        });
    }

    @Test
    void aClockRunningALittleFastAndAnOldHistoryAreAccepted() {
        assertThat(turn(withTimestamp("2026-11-30T10:04:59Z")).event().getOccurredAt()).isEqualTo(Instant.parse("2026-11-30T10:04:59Z"));
        assertThat(turn(withTimestamp("2019-03-01T08:00:00+02:00")).event().getOccurredAt()).isEqualTo(Instant.parse("2019-03-01T06:00:00Z"));
        assertThat(turn(withTimestamp("2019-03-01T08:00:00Z")).event().getReceivedAt()).isEqualTo(NOW);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            makes it immortal        | {"pinned":"true"}            | metadata.pinned
            passes for a summary     | {"kind":"session_summary"}   | metadata.kind
            forges a fact's value    | {"value":"York"}             | metadata.value
            """)
    void metadataKeysConsolidationReservesAreRefused(String caseName, String metadata, String field) {
        String body = "{\"user_id\":\"a\",\"session_id\":\"s\",\"role\":\"user\",\"content\":\"hi\",\"metadata\":" + metadata + "}";
        assertThatThrownBy(() -> turn(body)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.getMessage()).contains("reserved");
        });
    }

    @Test
    void aMetadataKeySearchCouldNotNameIsRefusedAndQuotedSafely() {
        String body = "{\"user_id\":\"a\",\"session_id\":\"s\",\"role\":\"user\",\"content\":\"hi\",\"metadata\":{\"a.b\\n\\u001b[31m\":\"x\"}}";
        assertThatThrownBy(() -> turn(body)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.field()).isEqualTo("metadata");
            assertThat(e.getMessage()).contains("a.b\\u000a\\u001b[31m").doesNotContain("\n").doesNotContain("\u001b");
        });
    }

    @Test
    void aKeyBoundToAnAgentWritesAsThatAgentAndNoOther() {
        var own = turn(PLANNER, "{\"user_id\":\"ann\",\"session_id\":\"s\",\"role\":\"user\",\"content\":\"hi\"}");
        assertThat(own.event().getAgentId()).as("filled in from the key").isEqualTo("planner");
        assertThat(own.event().getUserId()).isEqualTo("ann");
        assertThatThrownBy(() -> turn(PLANNER, "{\"user_id\":\"ann\",\"agent_id\":\"billing\",\"session_id\":\"s\","
                + "\"role\":\"user\",\"content\":\"hi\"}")).isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.field()).isEqualTo("agent_id");
                });
        assertThat(turn("{\"user_id\":\"ann\",\"session_id\":\"s\",\"role\":\"user\",\"content\":\"hi\"}").event().getAgentId())
                .as("an unbound key names no agent it was not given").isNull();
    }
}
