package dev.memlog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.Json;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Rebuilds query-service's indexes into a new generation and swaps the alias to it, with a progress bar and an ETA
 * until it is done: from the derivation in use (the records keep their vectors, so nothing is embedded again), or with
 * {@code --derivation} from another consolidation's (a new model or changed rules), once it has caught up with the log.
 */
@Command(name = "rebuild", mixinStandardHelpOptions = true,
        description = "Rebuild the indexes into a new generation and swap the alias to it, with zero failed queries.")
final class RebuildCommand implements Callable<Integer> {
    @Option(names = "--derivation", description = "build from this derivation's topics (consolidation-streams run with"
            + " DERIVATION=<name>); default: the one in use")
    String derivation;

    @Option(names = "--embedding-model", description = "the model the derivation embeds with; default: the one in use")
    String embeddingModel;

    @Option(names = "--consolidation-group", description = "the derivation's consolidation application id, whose lag the"
            + " swap waits for; default: memlog-consolidation-<derivation>")
    String consolidationGroup;

    @Option(names = "--cancel", description = "cancel the rebuild running in that instance (before its swap)")
    boolean cancel;

    @Option(names = "--query-url", defaultValue = "${env:QUERY_URL:-http://127.0.0.1:8083}",
            description = "query-service (default QUERY_URL or ${DEFAULT-VALUE})")
    String queryUrl;

    @Option(names = "--poll-ms", defaultValue = "1000", description = "how often progress is read (default ${DEFAULT-VALUE} ms)")
    long pollMillis;

    @Override
    public Integer call() throws Exception {
        String token = System.getenv("SERVICE_TOKEN");
        if (token == null || token.isBlank()) {
            System.err.println("SERVICE_TOKEN is required: a rebuild spans every tenant, so it takes the platform's credential");
            return 2;
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        if (cancel) {
            var cancelled = http.send(request("/v1/admin/rebuild", token).DELETE().build(), HttpResponse.BodyHandlers.ofString());
            System.out.println(cancelled.statusCode() == 202 ? "cancelling: what it built is deleted, the alias stays"
                    : "not cancelled (" + cancelled.statusCode() + "): " + cancelled.body());
            return cancelled.statusCode() == 202 ? 0 : 1;
        }
        var started = http.send(request("/v1/admin/rebuild", token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(derivation, embeddingModel, consolidationGroup))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (started.statusCode() != 202) {
            System.err.println("query-service did not start the rebuild (" + started.statusCode() + "): " + started.body());
            return 1;
        }
        PrintStream out = System.out;
        while (true) {
            var response = http.send(request("/v1/admin/rebuild", token).GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode progress = Json.mapper().readTree(response.body());
            out.print("\r" + line(progress));
            if (progress.path("finished_at").isTextual()) {
                out.println();
                boolean done = "done".equals(progress.path("state").asText());
                out.println(done ? "the alias now points to " + progress.path("to").asText() + "; " + progress.path("from").asText()
                        + " is kept: swap back or delete it" : "failed: " + progress.path("error").asText());
                return done ? 0 : 1;
            }
            Thread.sleep(pollMillis);
        }
    }

    private HttpRequest.Builder request(String path, String token) {
        return HttpRequest.newBuilder(URI.create(queryUrl.replaceAll("/+$", "") + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token);
    }

    /** The request: only what was given, so what is left out stays as the generation in use has it. */
    static String body(String derivation, String embeddingModel, String consolidationGroup) {
        var body = Json.mapper().createObjectNode();
        if (derivation != null) {
            body.put("derivation", derivation);
        }
        if (embeddingModel != null) {
            body.put("embedding_model", embeddingModel);
        }
        if (consolidationGroup != null) {
            body.put("consolidation_group", consolidationGroup);
        }
        return body.toString();
    }

    /** One line of progress: a bar, the records read of those to read, the rate, the time left, and the lag waited for. */
    static String line(JsonNode p) {
        String line = ProgressLine.of(p, "records", "records");
        return p.path("state").asText().startsWith("waiting") && p.path("consolidation_lag").isNumber()
                ? line + String.format(java.util.Locale.ROOT, " (lag %,d)", p.path("consolidation_lag").asLong()) : line;
    }
}
