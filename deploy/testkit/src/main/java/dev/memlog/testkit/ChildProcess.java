package dev.memlog.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM of its own running one main class, with its output in a log file: so a test can kill it for real
 * ({@code kill -9}), stop it as an orchestrator would (SIGTERM) and start it again. It never outlives the JVM that
 * started it.
 */
public final class ChildProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** What to run: a main class on a classpath, with environment variables, JVM options and arguments. */
    public record Spec(String name, String mainClass, List<String> classpath, Map<String, String> env, List<String> jvmOptions,
                       List<String> args) {
        public Spec {
            classpath = List.copyOf(classpath);
            env = Map.copyOf(env);
            jvmOptions = List.copyOf(jvmOptions);
            args = List.copyOf(args);
        }
    }

    private final Spec spec;
    private final Path log;
    private volatile Process process;

    private ChildProcess(Spec spec, Path log) {
        this.spec = spec;
        this.log = log;
    }

    /** Starts the process now; its output is appended to {@code logDir/<name>.log}. */
    public static ChildProcess start(Spec spec, Path logDir) {
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var child = new ChildProcess(spec, logDir.resolve(spec.name() + ".log"));
        child.launch();
        Runtime.getRuntime().addShutdownHook(new Thread(child::kill, "stop-" + spec.name()));
        return child;
    }

    private void launch() {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(spec.jvmOptions());
        command.add("-cp");
        command.add(String.join(File.pathSeparator, spec.classpath()));
        command.add(spec.mainClass());
        command.addAll(spec.args());
        var builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(spec.env());
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + spec.name(), e);
        }
    }

    /** Starts it again, with the same settings, after it was killed or stopped. */
    public void restart() {
        if (alive()) {
            throw new IllegalStateException(spec.name() + " is still running");
        }
        launch();
    }

    public String name() {
        return spec.name();
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** Waits until {@code url} answers 200, or fails with the process's log if it exits or time runs out. */
    public void awaitHttp200(String url, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!alive()) {
                throw new IllegalStateException(spec.name() + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                var response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(250);
        }
        throw new IllegalStateException(spec.name() + " did not answer 200 at " + url + " within " + timeout + "; see " + log);
    }

    /** {@code kill -9}: no shutdown hook runs, nothing is flushed or closed. Waits until it is gone. */
    public void kill() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroyForcibly();
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM, as an orchestrator stops a pod; returns the exit code, or -1 if it had to be killed after the grace. */
    public int terminate(Duration grace) {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return p == null ? -1 : p.exitValue();
        }
        p.destroy();
        try {
            if (p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                return p.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill();
        return -1;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        terminate(Duration.ofSeconds(20));
    }
}
