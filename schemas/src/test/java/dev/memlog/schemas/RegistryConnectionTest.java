package dev.memlog.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.schemas.registry.RegistryConnection;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SCHEMA_REGISTRY_*: an http(s) URL, a CA for https only, the Authorization header never printed. */
class RegistryConnectionTest {
    @Test
    void theUrlAndCaFileAreReadAndTheAuthorizationIsNotPrinted() {
        var c = RegistryConnection.from(Map.of("SCHEMA_REGISTRY_URL", " https://registry:8081 ",
                "SCHEMA_REGISTRY_CA_FILE", "/etc/ca.pem")::get, "Basic c2VjcmV0");
        assertThat(c.url()).isEqualTo("https://registry:8081");
        assertThat(c.caFile()).contains(Path.of("/etc/ca.pem"));
        assertThat(c.toString()).doesNotContain("c2VjcmV0").contains("(redacted)");
        assertThat(RegistryConnection.from(Map.<String, String>of()::get, null).url()).isEqualTo(RegistryConnection.DEFAULT_URL);
    }

    @Test
    void aCaFileForAPlainRegistryOrAUrlThatIsNotHttpIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> RegistryConnection.from(Map.of("SCHEMA_REGISTRY_CA_FILE", "/etc/ca.pem")::get, null))
                .hasMessageContaining("SCHEMA_REGISTRY_CA_FILE");
        assertThatThrownBy(() -> RegistryConnection.from(Map.of("SCHEMA_REGISTRY_URL", "registry:8081")::get, null))
                .hasMessageContaining("SCHEMA_REGISTRY_URL");
    }

    @Test
    void aCaFileThatCannotBeReadIsNamedWhenTheClientIsMade() {
        var c = RegistryConnection.from(Map.of("SCHEMA_REGISTRY_URL", "https://registry:8081",
                "SCHEMA_REGISTRY_CA_FILE", "/nonexistent/ca.pem")::get, null);
        assertThatThrownBy(c::client).hasMessageContaining("SCHEMA_REGISTRY_CA_FILE").hasMessageContaining("/nonexistent/ca.pem");
    }
}
