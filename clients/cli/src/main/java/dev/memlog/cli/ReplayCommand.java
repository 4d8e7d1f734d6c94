package dev.memlog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Replays a tenant's or one owner's log up to a moment through the consolidation code (with the platform's rules, or
 * those a file changes) into a scratch index, with a progress bar and an ETA; prints how what it knows differs from
 * what the platform knew then, and tears the scratch index down unless told to keep it.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Replay the log up to a moment into a scratch index and diff it with what was known then.")
final class ReplayCommand implements Callable<Integer> {
    static final int SHOWN = 20;

    @Option(names = "--query-url", defaultValue = "${env:QUERY_URL:-http://127.0.0.1:8083}",
            description = "query-service (default QUERY_URL or ${DEFAULT-VALUE})")
    String queryUrl;

    @Option(names = "--owner", description = "the user whose memory to replay (a user_id)")
    String user;

    @Option(names = "--agent", description = "the agent whose own memory to replay (an agent_id), instead of --owner")
    String agent;

    @Option(names = "--until", description = "replay what took effect up to this moment (ISO-8601, e.g. 2023-03-03T23:59:59Z); default now")
    String until;

    @Option(names = "--rules", description = "a properties file of consolidation settings to change, e.g. FACT_EXTRACTOR=none")
    Path rules;

    @Option(names = "--keep", description = "keep the scratch index for queries (it is torn down by itself later)")
    boolean keep;

    @Option(names = "--poll-ms", defaultValue = "1000", description = "how often progress is read (default ${DEFAULT-VALUE} ms)")
    long pollMillis;

    @Override
    public Integer call() throws Exception {
        String key = System.getenv("MEMLOG_API_KEY");
        if (key == null || key.isBlank()) {
            System.err.println("MEMLOG_API_KEY is required: an analyst's key (scopes admin, reads=tenant) of the tenant to replay");
            return 2;
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        var started = http.send(request("/v1/admin/replay", key).POST(HttpRequest.BodyPublishers.ofString(body().toString()))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (started.statusCode() != 202) {
            System.err.println("query-service did not start the replay (" + started.statusCode() + "): " + started.body());
            return 1;
        }
        String id = Json.mapper().readTree(started.body()).path("replay_id").asText();
        PrintStream out = System.out;
        JsonNode progress;
        while (true) {
            var response = http.send(request("/v1/admin/replay/" + id, key).GET().build(), HttpResponse.BodyHandlers.ofString());
            progress = Json.mapper().readTree(response.body());
            out.print("\r" + ProgressLine.of(progress, "events", "log entries"));
            if (progress.path("finished_at").isTextual()) {
                out.println();
                break;
            }
            Thread.sleep(pollMillis);
        }
        boolean done = "done".equals(progress.path("state").asText());
        if (done) {
            out.print(diff(progress));
        } else {
            out.println("failed: " + progress.path("error").asText());
        }
        if (keep) {
            out.println("kept: index " + progress.path("scratch_index").asText() + " (DELETE /v1/admin/replay/" + id + " tears it down)");
        } else {
            http.send(request("/v1/admin/replay/" + id, key).DELETE().build(), HttpResponse.BodyHandlers.ofString());
            out.println("scratch index torn down");
        }
        return done ? 0 : 1;
    }

    ObjectNode body() throws IOException {
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("user_id", user).put("agent_id", agent).put("until", until);
        if (rules != null) {
            var settings = new Properties();
            try (Reader in = Files.newBufferedReader(rules, StandardCharsets.UTF_8)) {
                settings.load(in);
            }
            ObjectNode changed = body.putObject("rules");
            new TreeMap<>(settings).forEach((name, value) -> changed.put(name.toString(), value.toString().strip()));
        }
        return body;
    }

    /** The diff as an analyst reads it: the counts, then the memories on one side only and those that changed. */
    static String diff(JsonNode progress) {
        JsonNode d = progress.path("diff");
        var out = new StringBuilder();
        out.append(String.format("%,d log entries replayed, %,d records derived into %s%n", progress.path("replayed").asLong(),
                progress.path("derived").asLong(), progress.path("scratch_index").asText()));
        out.append(String.format("against %s: %,d the same, %,d only in the replay, %,d only in the platform, %,d changed%n",
                progress.path("until").isTextual() ? "what was known at " + progress.path("until").asText() : "the live index",
                d.path("same").asLong(), d.path("only_in_replay_count").asLong(), d.path("only_in_reference_count").asLong(),
                d.path("changed_count").asLong()));
        list(out, "only in the replay", d.path("only_in_replay"));
        list(out, "only in the platform", d.path("only_in_reference"));
        int shown = 0;
        for (JsonNode c : d.path("changed")) {
            if (shown++ == 0) {
                out.append("changed:\n");
            }
            if (shown > SHOWN) {
                out.append("  ...\n");
                break;
            }
            out.append("  ").append(ApiException.printable(c.path("record_id").asText())).append(" ")
                    .append(c.path("fields").toString()).append(": ").append(memory(c.path("reference")))
                    .append(" -> ").append(memory(c.path("replay"))).append('\n');
        }
        return out.toString();
    }

    private static void list(StringBuilder out, String title, JsonNode memories) {
        int shown = 0;
        for (JsonNode m : memories) {
            if (shown++ == 0) {
                out.append(title).append(":\n");
            }
            if (shown > SHOWN) {
                out.append("  ...\n");
                return;
            }
            out.append("  ").append(ApiException.printable(m.path("record_id").asText())).append(" ").append(memory(m)).append('\n');
        }
    }

    /** A memory's tier and text, with what a terminal would act on shown as escapes. */
    private static String memory(JsonNode m) {
        return m.path("tier").asText() + " \"" + ApiException.printable(m.path("text").asText()) + "\"";
    }

    private HttpRequest.Builder request(String path, String key) {
        return HttpRequest.newBuilder(URI.create(queryUrl.replaceAll("/+$", "") + path)).timeout(Duration.ofSeconds(30))
                .header("X-API-Key", key);
    }
}
