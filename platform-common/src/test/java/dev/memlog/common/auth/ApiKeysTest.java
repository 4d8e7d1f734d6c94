package dev.memlog.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

    @Test
    void inlineKeysAndDigestsMapToTheirTenants() {
        var keys = ApiKeys.load("k1=acme, sha256:" + ApiKeys.digest("k2") + "=globex", null);
        assertThat(keys.size()).isEqualTo(2);
    }

    @Test
    void fileEntriesSkipCommentsAndBlankLines(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, "# team keys\nalpha=acme\n\nbeta=globex\n");
        assertThat(ApiKeys.load(null, file.toString()).size()).isEqualTo(2);
    }

    @Test
    void malformedEntriesAndTenantsAreRefusedWithTheSource() {
        assertThatThrownBy(() -> ApiKeys.load("no-separator", null)).hasMessageContaining("key=tenant");
        assertThatThrownBy(() -> ApiKeys.load("k=bad tenant!", null)).hasMessageContaining("invalid tenant");
    }

    @Test
    void digestIsSha256Hex() {
        assertThat(ApiKeys.digest("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
