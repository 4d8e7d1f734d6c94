package dev.memlog.cli;

import dev.memlog.schemas.sealing.Encryption;
import dev.memlog.schemas.sealing.KeyEncryptionKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Makes a deployment's key-encryption key file, to mount as a secret in every service: in the clear, or encrypted by
 * the master key of ENCRYPTION_KMS_KEY_URI (with that key's endpoint and credentials from the environment).
 */
@Command(name = "kek", description = "Make the key-encryption key file.", subcommands = KekCommands.Create.class,
        mixinStandardHelpOptions = true)
final class KekCommands {

    @Command(name = "create", description = "Write a new AES256-GCM key-encryption key; never overwrites one.",
            mixinStandardHelpOptions = true)
    static final class Create implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--file", required = true, description = "where to write it (ENCRYPTION_KEK_FILE of the services)")
        Path file;
        @Option(names = "--kms-key-uri", defaultValue = "${env:ENCRYPTION_KMS_KEY_URI}",
                description = "master key that encrypts the file, e.g. aws-kms://arn:aws:kms:<region>:<account>:key/<id>"
                        + " (default ENCRYPTION_KMS_KEY_URI; none: the file is in the clear)")
        String kmsKeyUri;
        /** The environment the master key's endpoint and credentials come from. */
        Function<String, String> env = System::getenv;

        @Override
        public Integer call() {
            var out = spec.commandLine().getOut();
            var err = spec.commandLine().getErr();
            if (Files.exists(file)) {
                err.println("refused: " + file + " exists; a new key-encryption key would leave every sealed value unreadable");
                return 1;
            }
            var encryption = new Encryption(file, Optional.ofNullable(kmsKeyUri), env);
            var kek = KeyEncryptionKey.generateIfAbsent(file, encryption.masterKey());
            out.println("wrote key-encryption key " + kek.id() + " to " + file
                    + (encryption.kmsKeyUri().isPresent() ? ", encrypted by " + encryption.kmsKeyUri().get() : ", in the clear"));
            return 0;
        }
    }
}
