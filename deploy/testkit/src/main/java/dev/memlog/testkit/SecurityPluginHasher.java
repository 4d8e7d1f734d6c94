package dev.memlog.testkit;

import dev.memlog.opensearch.OpenSearchNodeDistribution;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The security plugin's own password Hasher, run in a child JVM on the node's classpath: bcrypt as the plugin checks it. */
final class SecurityPluginHasher {
    private static final String HASHER = "org.opensearch.security.tools.Hasher";
    private static final String PASSWORD_VARIABLE = "MEMLOG_ADMIN_PASSWORD";

    private SecurityPluginHasher() {
    }

    /** The plugin's default hash (bcrypt, 12 rounds) of password; its diagnostics go to {@code log}. */
    static String hash(String password, Path log) {
        String java = ProcessHandle.current().info().command().orElse("java");
        // the password travels in the environment, not on a command line every process can read
        var builder = new ProcessBuilder(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", String.join(File.pathSeparator, OpenSearchNodeDistribution.classpath(true)),
                HASHER, "-env", PASSWORD_VARIABLE))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put(PASSWORD_VARIABLE, password);
        try {
            Files.createDirectories(log.getParent());
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(HASHER + " failed: " + output + "; see " + log);
            }
            return output.lines().filter(line -> line.startsWith("$2")).findFirst()
                    .orElseThrow(() -> new IllegalStateException(HASHER + " printed no bcrypt hash: " + output));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
