package dev.memlog.stack;

import dev.memlog.client.MemoryClient;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.config.Env;
import dev.memlog.stack.locomo.LocomoFile;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * {@code demo [file]}: start the stack on fresh data, ingest a conversation (the bundled sample or any
 * LoCoMo-format file), ask it questions, stop. {@code up}: start the stack on persistent data and keep it
 * running for your own agents until Ctrl-C or {@code ./stack down}.
 */
public final class StackMain {

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 && !args[0].isBlank() ? args[0] : "demo";
        String file = args.length > 1 && !args[1].isBlank() ? args[1] : null;
        Path root = Path.of(System.getProperty("memlog.stack.dir", ".local-stack")).toAbsolutePath();
        int code = switch (mode) {
            case "demo" -> demo(root, file);
            case "up" -> up(root);
            default -> {
                System.err.println("unknown mode '" + mode + "': use demo [file] or up");
                yield 2;
            }
        };
        System.exit(code);
    }

    private static LocalStack.Config config(Path dataDir, ApiKeys keys) {
        Env env = Env.system();
        return new LocalStack.Config(dataDir, env.integer("KAFKA_PORT", 9092), env.integer("SCHEMA_REGISTRY_PORT", 8081),
                env.integer("OPENSEARCH_PORT", 9200), env.integer("INGEST_PORT", 8080),
                env.integer("CONSOLIDATION_PORT", 8082), env.integer("QUERY_PORT", 8083), keys,
                env.string("EMBEDDING_MODEL", "bge-small-en-v1.5-q"), env.integer("TOPIC_PARTITIONS", 3),
                Map.of("MCP_PORT", Integer.toString(env.integer("MCP_PORT", 8084))));
    }

    private static boolean portsFree(LocalStack.Config c) {
        for (int port : List.of(c.kafkaPort(), c.registryPort(), c.openSearchPort(), c.ingestPort(), c.consolidationPort(), c.queryPort(),
                Integer.parseInt(c.settings().get("MCP_PORT")))) {
            try (var s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
            } catch (IOException e) {
                System.err.println("port " + port + " is in use: is a stack already running? Stop it with ./stack down,"
                        + " or choose other ports (KAFKA_PORT, SCHEMA_REGISTRY_PORT, OPENSEARCH_PORT, INGEST_PORT,"
                        + " CONSOLIDATION_PORT, QUERY_PORT, MCP_PORT).");
                return false;
            }
        }
        return true;
    }

    private static int demo(Path root, String file) throws Exception {
        long started = System.nanoTime();
        List<LocomoFile.Conversation> conversations;
        try (InputStream in = file == null ? StackMain.class.getResourceAsStream("/sample-conversation.json")
                : Files.newInputStream(Path.of(file))) {
            conversations = LocomoFile.read(in);
        }
        System.out.printf("memlog demo: %d conversation(s) from %s%n", conversations.size(), file == null ? "the bundled sample" : file);
        conversations.forEach(c -> {
            if (!c.unresolvedEvidence().isEmpty()) {
                System.out.println("  note: " + c.sampleId() + " has evidence ids that name no turn: " + c.unresolvedEvidence());
            }
        });
        String key = "demo-" + randomHex(16);
        Path dataDir = root.resolve("demo");
        deleteRecursively(dataDir);
        var config = config(dataDir, ApiKeys.of(Map.of(key, "demo")));
        if (!portsFree(config)) {
            return 1;
        }
        try (var stack = new LocalStack(config, System.out::println)) {
            double startup = (System.nanoTime() - started) / 1e9;
            System.out.printf("Stack started in %.1f s.%n%n", startup);
            var client = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), key);
            var demo = new Demo(client, System.out);
            for (var conversation : conversations) {
                long t = System.nanoTime();
                int turns = demo.ingest(conversation);
                double appendSeconds = (System.nanoTime() - t) / 1e9;
                System.out.printf("Ingested %s: %d sessions, %d turns over HTTP in %.1f s (all acknowledged by Kafka)%n",
                        conversation.sampleId(), conversation.sessions().size(), turns, appendSeconds);
                Duration wait = demo.awaitSearchable(Demo.ownerOf(conversation), turns, Duration.ofMinutes(10));
                System.out.printf("      append-to-searchable: all %d turns searchable %.1f s after the last append was acknowledged%n",
                        turns, wait.toMillis() / 1000.0);
            }
            var first = conversations.getFirst();
            System.out.printf("%nAsking %s (%s and %s):%n", first.sampleId(), first.speakerA(), first.speakerB());
            demo.ask(first, 5, 5);
            System.out.printf("%nDemo finished in %.1f s (stack start-up %.1f s). Stopping the stack.%n",
                    (System.nanoTime() - started) / 1e9, startup);
        }
        return 0;
    }

    private static int up(Path root) throws Exception {
        Files.createDirectories(root);
        Env env = Env.system();
        ApiKeys keys;
        String keyHint;
        if (env.optional("API_KEYS") != null || env.optional("API_KEYS_FILE") != null) {
            keys = ApiKeys.load(env.optional("API_KEYS"), env.optional("API_KEYS_FILE"));
            keyHint = "the keys in API_KEYS / API_KEYS_FILE";
        } else {
            Path keyFile = root.resolve("api-key");
            if (!Files.exists(keyFile)) {
                Files.writeString(keyFile, "local-" + randomHex(16) + "\n");
            }
            String key = Files.readString(keyFile).strip();
            keys = ApiKeys.of(Map.of(key, "local"));
            keyHint = key + " (tenant 'local'; kept in " + keyFile + ")";
        }
        var config = config(root.resolve("data"), keys);
        if (!portsFree(config)) {
            return 1;
        }
        long started = System.nanoTime();
        var stack = new LocalStack(config, System.out::println);
        Path pidFile = root.resolve("stack.pid");
        Files.writeString(pidFile, Long.toString(ProcessHandle.current().pid()));
        var stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping the stack...");
            stack.close();
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException ignored) {
                // nothing to clean
            }
            System.out.println("Stack stopped.");
            stopped.countDown();
        }, "stack-stop"));
        System.out.printf("""

                Stack up in %.1f s. Data in %s (kept across restarts).
                  ingest   %s/v1/turns, /v1/turns/batch, /v1/memories
                  query    %s/v1/search, /v1/context, /v1/memories
                  mcp      %s (MCP tools over streamable HTTP, same API key: docs/integrations.md)
                  health   /health/live, /health/ready, /metrics on each service (consolidation: %s)
                  registry %s   kafka %s   opensearch %s
                  API key  %s
                  service  %s (SERVICE_TOKEN: the schema registry's and consolidation's credential)
                Try:
                  curl -s -XPOST %s/v1/turns -H 'X-API-Key: <key>' -H 'Content-Type: application/json' \\
                    -d '{"user_id":"me","session_id":"s1","role":"user","content":"I moved to Lisbon in May"}'
                  curl -s -XPOST %s/v1/search -H 'X-API-Key: <key>' -H 'Content-Type: application/json' \\
                    -d '{"query":"where do I live?","user_id":"me"}'
                Stop with Ctrl-C or ./stack down.
                """, (System.nanoTime() - started) / 1e9, root.resolve("data"), stack.ingestUrl(), stack.queryUrl(), stack.mcpUrl(),
                stack.consolidationUrl(), stack.registryUrl(), stack.kafkaBootstrapServers(), stack.openSearchUrl(), keyHint,
                stack.serviceToken().authorization().substring("Bearer ".length()),
                stack.ingestUrl(), stack.queryUrl());
        stopped.await();
        return 0;
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
