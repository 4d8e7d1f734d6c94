package dev.memlog.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Request bodies are read strictly: what is ambiguous or broken is a 400 that says what, never a guess. */
class JsonTest {

    static ApiException refused(byte[] body) {
        try {
            Json.parse(body);
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("accepted " + new String(body, StandardCharsets.UTF_8));
    }

    static ApiException refused(String body) {
        return refused(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void invalidUtf8IsRefused() {
        var e = refused(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).contains("not valid UTF-8");
    }

    @Test
    void aKeyGivenTwiceIsRefused() {
        assertThat(refused("{\"user_id\":\"a\",\"user_id\":\"b\"}").getMessage()).contains("Duplicate field 'user_id'");
    }

    @Test
    void anythingAfterTheValueIsRefused() {
        assertThat(refused("{\"a\":1} {\"b\":2}").getMessage()).contains("not valid JSON");
    }

    @Test
    void nestingBeyondWhatAnyRequestNeedsIsRefused() {
        assertThat(refused("[".repeat(5000) + "]".repeat(5000)).status()).isEqualTo(400);
    }

    @Test
    void emptyBodiesAreRefusedAndGoodOnesRead() {
        assertThat(refused(" \n").getMessage()).contains("empty");
        assertThat(Json.parse("{\"text\":\"caf\u00e9 \\\\ $1 \\u0000\"}".getBytes(StandardCharsets.UTF_8)).path("text").asText())
                .isEqualTo("caf\u00e9 \\ $1 \u0000");
    }

    @Test
    void aClientStringInAMessageHasNoControlCharacters() {
        assertThat(ApiException.printable("a\nb\u001b[0m\u202e")).isEqualTo("a\\u000ab\\u001b[0m\\u202e");
        assertThat(ApiException.printable("x".repeat(100))).hasSize(65).endsWith("…");
    }
}
