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
 * Rebuilds query-service's live index into a new generation from memory.records and swaps the alias to it, with a
 * progress bar and an ETA until it is done; the records keep their vectors, so nothing is embedded again.
 */
@Command(name = "rebuild", mixinStandardHelpOptions = true,
        description = "Rebuild the live index into a new generation and swap the alias to it, with zero failed queries.")
final class RebuildCommand implements Callable<Integer> {
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
        var started = http.send(request("/v1/admin/rebuild", token).POST(HttpRequest.BodyPublishers.noBody()).build(),
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

    /** One line of progress: a bar, the records read of those to read, the rate and the time left. */
    static String line(JsonNode p) {
        return ProgressLine.of(p, "records", "records");
    }
}
