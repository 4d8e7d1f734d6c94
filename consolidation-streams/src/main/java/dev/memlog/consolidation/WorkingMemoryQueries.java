package dev.memlog.consolidation;

import dev.memlog.common.auth.Scope;
import dev.memlog.common.auth.ServiceToken;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.ScopedRoutes;
import dev.memlog.schemas.MemoryOwner;
import dev.memlog.schemas.avro.SessionBuffer;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * Working memory is read where it lives: the instance that owns the session's partition answers from its store,
 * and any other instance forwards the request there (interactive queries). Internal: only the service credential may
 * ask, for the tenant it names (query-service names the tenant of the caller it authenticated).
 */
final class WorkingMemoryQueries {
    private final KafkaStreams streams;
    private final HostInfo self;
    private final ServiceToken credential;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param self this instance's advertised host and port (application.server), or null when it runs alone
     * @param credential what a forwarded read presents to the instance that owns the session
     */
    WorkingMemoryQueries(KafkaStreams streams, HostInfo self, ServiceToken credential) {
        this.streams = streams;
        this.self = self;
        this.credential = credential;
    }

    void register(JavalinConfig config) {
        ScopedRoutes.of(config, Scope.SERVICE).get("/v1/working-memory", this::read);
    }

    private void read(Context ctx) throws Exception {
        String tenant = required(ctx, "tenant");
        String session = required(ctx, "session_id");
        MemoryOwner owner;
        try {
            owner = MemoryOwner.of(tenant, ctx.queryParam("user_id"), ctx.queryParam("agent_id"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("user_id", "user_id or agent_id is required");
        }
        String key = WorkingMemory.key(owner, session);
        if (self != null && !Boolean.parseBoolean(ctx.queryParam("forwarded"))) {
            // the session lives in the partition of its owner: records are keyed by owner, not by session
            var metadata = streams.queryMetadataForKey(WorkingMemory.STORE, owner.key(), Serdes.String().serializer());
            if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
                throw new ApiException(503, "working memory is being restored or rebalanced; retry shortly", null);
            }
            HostInfo active = metadata.activeHost();
            if (active != null && active.port() >= 0 && !active.equals(self)) {
                forward(ctx, active);
                return;
            }
        }
        SessionBuffer buffer;
        try {
            // the key names its owner and session: whichever local partition holds it answers
            buffer = streams.store(StoreQueryParameters.fromNameAndType(WorkingMemory.STORE,
                    QueryableStoreTypes.<String, SessionBuffer>keyValueStore())).get(key);
        } catch (InvalidStateStoreException e) {
            throw new ApiException(503, "working memory is being restored or rebalanced; retry shortly", null);
        }
        ctx.json(view(session, buffer));
    }

    private void forward(Context ctx, HostInfo active) throws Exception {
        StringBuilder query = new StringBuilder("forwarded=true");
        ctx.queryParamMap().forEach((name, values) -> values.forEach(v -> query.append('&').append(name).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8))));
        var response = http.send(HttpRequest.newBuilder(URI.create("http://" + active.host() + ":" + active.port()
                + "/v1/working-memory?" + query)).header("Authorization", credential.authorization())
                .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        ctx.status(response.statusCode()).contentType("application/json").result(response.body());
    }

    static Map<String, Object> view(String session, SessionBuffer buffer) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("session_id", session);
        List<Map<String, Object>> turns = buffer == null ? List.of() : buffer.getTurns().stream().map(t -> {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("event_id", t.getEventId());
            turn.put("speaker", t.getSpeaker());
            turn.put("text", t.getText());
            turn.put("occurred_at", t.getOccurredAt().toString());
            return turn;
        }).toList();
        out.put("turns", turns);
        return out;
    }

    private static String required(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest(name, name + " is required");
        }
        return value;
    }
}
