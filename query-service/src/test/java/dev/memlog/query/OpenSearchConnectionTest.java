package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.common.config.Env;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** OPENSEARCH_* settings: credentials only over TLS, both or neither, a CA only for https, never a password in a log. */
class OpenSearchConnectionTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultIsTheLocalNodeWithoutCredentials() {
        var c = OpenSearchConnection.from(new Env(Map.of()));
        assertThat(c.url().toString()).isEqualTo("http://127.0.0.1:9200");
        assertThat(c.auth()).isInstanceOf(OpenSearchConnection.Auth.None.class);
        assertThat(c.caFile()).isEmpty();
    }

    @Test
    void basicAuthAndACaFileAreReadTogether() {
        var c = OpenSearchConnection.from(new Env(Map.of("OPENSEARCH_URL", "https://search.internal:9200",
                "OPENSEARCH_USERNAME", "memlog", "OPENSEARCH_PASSWORD", "s3cret:with:colons", "OPENSEARCH_CA_FILE", "/etc/ca.pem")));
        assertThat(c.auth()).isEqualTo(new OpenSearchConnection.Auth.Basic("memlog", "s3cret:with:colons"));
        assertThat(((OpenSearchConnection.Auth.Basic) c.auth()).header()).isEqualTo("Basic bWVtbG9nOnMzY3JldDp3aXRoOmNvbG9ucw==");
        assertThat(c.caFile()).contains(Path.of("/etc/ca.pem"));
        assertThat(c.toString()).doesNotContain("s3cret");
    }

    @Test
    void aPasswordIsNeverSentInTheClearExceptToTheLoopback() {
        assertThatThrownBy(() -> OpenSearchConnection.from(new Env(Map.of("OPENSEARCH_URL", "http://search.internal:9200",
                "OPENSEARCH_USERNAME", "memlog", "OPENSEARCH_PASSWORD", "pw"))))
                .hasMessageContaining("OPENSEARCH_USERNAME over http://").hasMessageNotContaining("pw\"");
        assertThat(OpenSearchConnection.from(new Env(Map.of("OPENSEARCH_USERNAME", "memlog", "OPENSEARCH_PASSWORD", "pw"))).auth())
                .isInstanceOf(OpenSearchConnection.Auth.Basic.class);
    }

    @Test
    void aUsernameWithoutAPasswordOrTheReverseIsRefused() {
        assertThatThrownBy(() -> OpenSearchConnection.from(new Env(Map.of("OPENSEARCH_URL", "https://s:9200", "OPENSEARCH_USERNAME", "memlog"))))
                .hasMessageContaining("OPENSEARCH_USERNAME and OPENSEARCH_PASSWORD go together");
        assertThatThrownBy(() -> OpenSearchConnection.from(new Env(Map.of("OPENSEARCH_URL", "https://s:9200", "OPENSEARCH_PASSWORD", "pw"))))
                .hasMessageContaining("go together");
    }

    @Test
    void aCaFileIsForHttpsOnly() {
        assertThatThrownBy(() -> OpenSearchConnection.from(new Env(Map.of("OPENSEARCH_CA_FILE", "/etc/ca.pem"))))
                .hasMessageContaining("OPENSEARCH_CA_FILE is for https://");
    }

    @ParameterizedTest
    @ValueSource(strings = {"search.internal:9200", "ftp://search:21", "https://", "http://[::1", "https://a b:9200", "javascript:alert(1)"})
    void aUrlThatIsNotHttpWithAHostIsRefusedNamingTheSetting(String url) {
        assertThatThrownBy(() -> OpenSearchConnection.from(new Env(Map.of("OPENSEARCH_URL", url))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OPENSEARCH_URL");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mem:log", "mem\nlog", "mem\u0000log"})
    void aUsernameThatWouldBreakTheHeaderIsRefused(String username) {
        assertThatThrownBy(() -> new OpenSearchConnection.Auth.Basic(username, "pw")).hasMessageContaining("OPENSEARCH_USERNAME");
    }

    @Test
    void aCaFileThatIsMissingOrNotACertificateIsNamedWhenTheClientIsMade() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
        for (Path file : new Path[] {dir.resolve("missing.pem"), junk}) {
            var c = OpenSearchConnection.from(new Env(Map.of("OPENSEARCH_URL", "https://s:9200", "OPENSEARCH_CA_FILE", file.toString())));
            assertThatThrownBy(() -> new OpenSearchRest(c)).hasMessageContaining("OPENSEARCH_CA_FILE").hasMessageContaining(file.toString());
        }
    }
}
