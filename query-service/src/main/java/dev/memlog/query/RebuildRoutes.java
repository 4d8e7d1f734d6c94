package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import dev.memlog.common.http.ScopedRoutes;
import dev.memlog.schemas.Derivation;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * An operator rebuilds the indexes into a new generation, from the same derivation or another one, and swaps the alias
 * to it (one at a time, with the platform's service credential: it spans every tenant), follows its progress, and can
 * cancel it before the swap.
 */
final class RebuildRoutes {
    private static final Set<String> FIELDS = Set.of("derivation", "embedding_model", "consolidation_group");
    /** What Kafka allows in a group id, bounded. */
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9._-]{1,200}");
    private final Function<GenerationRebuild.Request, GenerationRebuild> rebuilds;
    private final Predicate<String> knownModel;
    private volatile GenerationRebuild latest;

    /** @param knownModel whether an embedding model id is one this service can load */
    RebuildRoutes(Function<GenerationRebuild.Request, GenerationRebuild> rebuilds, Predicate<String> knownModel) {
        this.rebuilds = rebuilds;
        this.knownModel = knownModel;
    }

    void register(JavalinConfig config) {
        ScopedRoutes.of(config, Scope.SERVICE).post("/v1/admin/rebuild", this::start).get("/v1/admin/rebuild", this::progress)
                .delete("/v1/admin/rebuild", this::cancel);
    }

    private synchronized void start(Context ctx) {
        if (latest != null && !latest.finished()) {
            throw new ApiException(409, "a rebuild is running: GET /v1/admin/rebuild follows it", "rebuild");
        }
        latest = rebuilds.apply(request(ctx.body()));
        Thread.ofPlatform().name("index-rebuild").daemon().start(latest);
        ctx.status(202).json(latest.progress());
    }

    /** The request's body, if any: each field checked and named when it is refused. */
    GenerationRebuild.Request request(String body) {
        if (body == null || body.isBlank()) {
            return GenerationRebuild.Request.same();
        }
        JsonNode json;
        try {
            json = Json.mapper().readTree(body);
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("body", "the body must be a JSON object");
        }
        if (json == null || !json.isObject()) {
            throw ApiException.badRequest("body", "the body must be a JSON object");
        }
        json.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name)) {
                throw ApiException.badRequest(ApiException.printable(name), "unknown field; a rebuild takes " + FIELDS);
            }
        });
        Derivation derivation = null;
        String derivationName = text(json, "derivation");
        if (derivationName != null) {
            try {
                derivation = Derivation.of(derivationName);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("derivation", e.getMessage());
            }
        }
        String model = text(json, "embedding_model");
        if (model != null && (model.length() > 100 || !knownModel.test(model))) {
            throw ApiException.badRequest("embedding_model", "not an embedding model this service can load");
        }
        String group = text(json, "consolidation_group");
        if (group != null && !GROUP.matcher(group).matches()) {
            throw ApiException.badRequest("consolidation_group", "a Kafka consumer group id: 1 to 200 letters, digits, '.', '_' or '-'");
        }
        return new GenerationRebuild.Request(derivation, model, group);
    }

    private static String text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiException.badRequest(field, field + " must be a string");
        }
        return node.asText();
    }

    private void progress(Context ctx) {
        ctx.json(current().progress());
    }

    private void cancel(Context ctx) {
        GenerationRebuild rebuild = current();
        if (rebuild.finished()) {
            throw new ApiException(409, "the rebuild has finished (" + rebuild.progress().state() + ")", "rebuild");
        }
        rebuild.cancel();
        ctx.status(202).json(rebuild.progress());
    }

    private GenerationRebuild current() {
        GenerationRebuild current = latest;
        if (current == null) {
            throw new ApiException(404, "no rebuild since this instance started", "rebuild");
        }
        return current;
    }
}
