package dev.memlog.testkit;

import dev.memlog.opensearch.OpenSearchNodeDistribution;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PrimitiveIterator;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An OpenSearch node in a child JVM of the same Java installation; it stops when this JVM goes away. */
public final class ChildProcessOpenSearchNode implements OpenSearchNode {
    private static final Logger log = LoggerFactory.getLogger(ChildProcessOpenSearchNode.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Process process;
    private final String url;

    private ChildProcessOpenSearchNode(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    /** How the launcher reaches a node: plain HTTP, or HTTPS with basic auth through the security plugin. */
    record Access(String scheme, boolean securityPlugin, HttpClient http, String authorization) {
        static Access plain() {
            return new Access("http", false, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), null);
        }
    }

    /** Starts a node whose data lives under home; port 0 picks a free one. Returns once the cluster is green. */
    public static ChildProcessOpenSearchNode start(Path home, int port) {
        return start(home, port, Access.plain());
    }

    /** As {@link #start(Path, int)}, reached as {@code access} says; a secured home must hold the plugin's config. */
    static ChildProcessOpenSearchNode start(Path home, int port, Access access) {
        return port == 0 ? start(home, IntStream.generate(FreePorts::next).iterator(), access) : startOnce(home, port, access);
    }

    /**
     * On the first of {@code ports} it can bind, within two tries: a port found free can be taken before the node binds
     * it (by any process's outgoing connection); a node that cannot start for a reason of its own fails twice alike.
     */
    static ChildProcessOpenSearchNode start(Path home, PrimitiveIterator.OfInt ports, Access access) {
        try {
            return startOnce(home, ports.nextInt(), access);
        } catch (ExitedDuringStart e) {
            log.warn("{}; starting it once more on another port", e.getMessage());
            return startOnce(home, ports.nextInt(), access);
        }
    }

    /** The node's process ended before it was green. */
    static final class ExitedDuringStart extends IllegalStateException {
        ExitedDuringStart(String message) {
            super(message);
        }
    }

    private static ChildProcessOpenSearchNode startOnce(Path home, int httpPort, Access access) {
        long started = System.nanoTime();
        try {
            Files.createDirectories(home.resolve("config"));
            Files.createDirectories(home.resolve("logs"));
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>(List.of(java,
                    "-Xms256m", "-Xmx" + System.getProperty("memlog.opensearch.heap", "512m"),
                    "-XX:+UseSerialGC", "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                    "-Djava.io.tmpdir=" + Files.createDirectories(home.resolve("tmp")),
                    "-Dlog4j2.disable.jmx=true", "-Djava.net.preferIPv4Stack=true"));
            if (access.securityPlugin()) {
                command.add("-D" + OpenSearchNodeDistribution.SECURITY_PROPERTY + "=true");
            }
            command.addAll(List.of(
                    "-cp", String.join(File.pathSeparator, OpenSearchNodeDistribution.classpath(access.securityPlugin())),
                    OpenSearchNodeDistribution.MAIN_CLASS, home.toAbsolutePath().toString(), Integer.toString(httpPort)));
            Path logFile = home.resolve("logs").resolve("node.out");
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            var node = new ChildProcessOpenSearchNode(process, access.scheme() + "://127.0.0.1:" + httpPort);
            Runtime.getRuntime().addShutdownHook(new Thread(node::close, "opensearch-child-stop"));
            node.awaitGreen(logFile, access);
            log.info("OpenSearch node (child JVM pid {}) green at {} in {} ms", process.pid(), node.url,
                    (System.nanoTime() - started) / 1_000_000);
            return node;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitGreen(Path logFile, Access access) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new ExitedDuringStart("OpenSearch node exited with " + process.exitValue() + "; see " + logFile
                        + ", which ends:\n" + tail(logFile, 60));
            }
            try {
                var request = HttpRequest.newBuilder(URI.create(url + "/_cluster/health?wait_for_status=green&timeout=2s"))
                        .timeout(Duration.ofSeconds(5));
                if (access.authorization() != null) {
                    request.header("Authorization", access.authorization());
                }
                // a secured node answers 503 until its security index is initialised: keep polling
                var response = access.http().send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"green\"")) {
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
        close();
        throw new IllegalStateException("OpenSearch node not green within " + START_TIMEOUT + "; see " + logFile
                + ", which ends:\n" + tail(logFile, 60));
    }

    /** The last lines of a node's log: a failed start on a CI machine leaves nothing else to read. */
    static String tail(Path logFile, int lines) {
        var kept = new ArrayDeque<String>(lines);
        try (var all = Files.lines(logFile, StandardCharsets.UTF_8)) {
            all.forEach(line -> {
                if (kept.size() == lines) {
                    kept.removeFirst();
                }
                kept.addLast(line);
            });
            return String.join("\n", kept);
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String url() {
        return url;
    }

    public long pid() {
        return process.pid();
    }

    /** {@code kill -9}: the node gets no chance to flush or close anything. Waits until it is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        try {
            process.getOutputStream().close(); // the node exits cleanly on end of input
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
