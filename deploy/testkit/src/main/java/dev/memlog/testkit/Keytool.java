package dev.memlog.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The JDK's keytool, run as a process: it issues certificates, which the JDK's public API cannot. */
final class Keytool {
    private Keytool() {
    }

    /** Runs one keytool command; fails with its output if it does not succeed within a minute. */
    static void run(String... args) throws IOException {
        Path keytool = ProcessHandle.current().info().command().map(java -> Path.of(java).resolveSibling("keytool"))
                .filter(Files::isExecutable).orElse(Path.of(System.getProperty("java.home"), "bin", "keytool"));
        // a short-lived JVM: C1 only and the serial collector start it noticeably faster
        List<String> command = new ArrayList<>(List.of(keytool.toString(), "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
