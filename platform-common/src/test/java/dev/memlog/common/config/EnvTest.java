package dev.memlog.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {
    @Test
    void blankValuesFallBackToDefaults() {
        var env = new Env(Map.of("A", " ", "B", "7"));
        assertThat(env.string("A", "d")).isEqualTo("d");
        assertThat(env.integer("B", 1)).isEqualTo(7);
        assertThat(env.integer("C", 1)).isEqualTo(1);
    }

    @Test
    void badNumbersNameTheVariable() {
        assertThatThrownBy(() -> new Env(Map.of("PORT", "eighty")).integer("PORT", 80))
                .hasMessageContaining("PORT").hasMessageContaining("eighty");
    }

    @Test
    void theEffectiveConfigurationHasEverySettingReadWithItsDefaultAndNoCredential() {
        var env = new Env(Map.of("INGEST_PORT", "9000", "SERVICE_TOKEN", "t0ken-value-that-must-not-appear",
                "OPENSEARCH_PASSWORD", "hunter2", "KAFKA_SASL_JAAS_CONFIG", "ScramLoginModule required password=\"p4ss\";",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "API_KEYS_FILE", "/etc/memlog/keys", "LLM_API_KEY", "sk-123",
                "KAFKA_SSL_KEYSTORE_KEY", "-----BEGIN PRIVATE KEY-----pem-key",
                "NOT_READ", "x"));
        env.integer("INGEST_PORT", 8080);
        env.string("SERVICE_TOKEN", null);
        env.optional("OPENSEARCH_PASSWORD");
        env.optional("OPENSEARCH_USERNAME");
        env.string("LOG_LEVEL", "INFO");
        env.optional("API_KEYS_FILE");
        env.optional("LLM_API_KEY");
        env.passthrough("KAFKA_");
        Map<String, String> effective = env.effective();
        assertThat(effective).containsEntry("INGEST_PORT", "9000").containsEntry("LOG_LEVEL", "INFO")
                .containsEntry("OPENSEARCH_USERNAME", "(unset)").containsEntry("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
                .containsEntry("API_KEYS_FILE", "/etc/memlog/keys")
                .containsEntry("SERVICE_TOKEN", "(redacted)").containsEntry("OPENSEARCH_PASSWORD", "(redacted)")
                .containsEntry("KAFKA_SASL_JAAS_CONFIG", "(redacted)").containsEntry("LLM_API_KEY", "(redacted)")
                .containsEntry("KAFKA_SSL_KEYSTORE_KEY", "(redacted)")
                .doesNotContainKey("NOT_READ");
        assertThat(effective.toString()).doesNotContain("t0ken", "hunter2", "p4ss", "sk-123", "pem-key");
    }
}
