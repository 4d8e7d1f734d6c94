package dev.memlog.common.http;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A container's health command: exit 0 when the service on this host answers its readiness probe UP, else 1. */
public final class HealthCheck {
    private HealthCheck() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out));
    }

    /** @return 0 ready, 1 not ready or unreachable, 2 no port to ask */
    static int run(String[] args, Map<String, String> env, PrintStream out) {
        String port = args.length > 0 ? args[0] : env.get("MANAGEMENT_PORT");
        if (port == null || !port.strip().matches("[0-9]{1,5}") || Integer.parseInt(port.strip()) > 65535) {
            out.println("usage: memlog-healthcheck <port>, or set MANAGEMENT_PORT");
            return 2;
        }
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port.strip() + "/health/ready"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            out.println(response.body());
            return response.statusCode() == 200 ? 0 : 1;
        } catch (java.io.IOException e) {
            out.println("not reachable on port " + port.strip() + ": " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }
}
