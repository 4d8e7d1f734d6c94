package dev.memlog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.schemas.sealing.KeyEncryptionKey;
import dev.memlog.testkit.LocalKms;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** An operator makes the key-encryption key file, in the clear or under a KMS master key, and never overwrites one. */
class KekCommandsTest {
    @TempDir
    Path dir;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    private int run(Map<String, String> env, String... args) {
        var command = new CommandLine(new MemlogCli());
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        var create = command.getSubcommands().get("kek").getSubcommands().get("create");
        ((KekCommands.Create) create.getCommand()).env = env::get;
        return command.execute(args);
    }

    @Test
    void aFileMadeInTheClearOpensAndIsNeverOverwritten() throws Exception {
        Path file = dir.resolve("kek.json");
        assertThat(run(Map.of(), "kek", "create", "--file", file.toString())).isZero();
        var kek = KeyEncryptionKey.fromFile(file);
        assertThat(out.toString()).contains(kek.id()).contains("in the clear");
        String before = Files.readString(file);

        assertThat(run(Map.of(), "kek", "create", "--file", file.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("exists");
        assertThat(Files.readString(file)).isEqualTo(before);
    }

    @Test
    void aFileMadeUnderAKmsMasterKeyOpensOnlyThroughIt() throws Exception {
        try (var kms = new LocalKms()) {
            String uri = "aws-kms://" + kms.createKey("us-east-1", "kek-master");
            var env = Map.of("ENCRYPTION_KMS_ENDPOINT", kms.endpoint(), "AWS_ACCESS_KEY_ID", "AKIDCLI", "AWS_SECRET_ACCESS_KEY", "s");
            Path file = dir.resolve("kek.json");
            assertThat(run(env, "kek", "create", "--file", file.toString(), "--kms-key-uri", uri)).isZero();
            assertThat(out.toString()).contains("encrypted by " + uri);
            assertThat(kms.calls("Encrypt")).isEqualTo(1);
            assertThatThrownBy(() -> KeyEncryptionKey.fromFile(file)).isInstanceOf(IllegalArgumentException.class);
            var master = new dev.memlog.schemas.sealing.Encryption(file, Optional.of(uri), env::get).masterKey();
            assertThat(KeyEncryptionKey.fromFile(file, master).id()).isNotBlank();
        }
    }
}
