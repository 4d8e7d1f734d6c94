package dev.memlog.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.Json;
import dev.memlog.common.http.ScopedRoutes;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Confluent Schema Registry REST API over a {@link SchemaStore}: subjects, versions, ids, compatibility, config. */
final class SchemaRegistryRoutes {
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final SchemaStore store;

    SchemaRegistryRoutes(SchemaStore store) {
        this.store = store;
    }

    void register(JavalinConfig config) {
        config.routes.exception(RegistryException.class, (e, ctx) -> ctx.status(e.status()).contentType(CONTENT_TYPE)
                .result(json(Map.of("error_code", e.errorCode(), "message", e.getMessage()))));
        // the services' own credential, for reads and writes: schemas are the platform's, not any tenant's
        var routes = ScopedRoutes.of(config, Scope.SERVICE);
        routes.get("/", ctx -> send(ctx, Map.of()));
        routes.get("/schemas/types", ctx -> send(ctx, List.of("AVRO")));
        routes.get("/subjects", ctx -> send(ctx, store.subjects()));
        routes.get("/subjects/{subject}/versions", ctx -> send(ctx, store.versionNumbers(ctx.pathParam("subject"))));
        routes.get("/subjects/{subject}/versions/{version}", ctx ->
                send(ctx, describe(store.version(ctx.pathParam("subject"), ctx.pathParam("version")))));
        routes.get("/subjects/{subject}/versions/{version}/schema", ctx -> ctx.contentType(CONTENT_TYPE)
                .result(store.version(ctx.pathParam("subject"), ctx.pathParam("version")).schema().toString()));
        routes.post("/subjects/{subject}/versions", ctx -> {
            var registered = store.register(ctx.pathParam("subject"), schemaOf(ctx));
            send(ctx, Map.of("id", registered.id()));
        });
        routes.post("/subjects/{subject}", ctx -> {
            String subject = ctx.pathParam("subject");
            store.versionNumbers(subject);
            send(ctx, describe(store.lookup(subject, schemaOf(ctx)).orElseThrow(RegistryException::schemaNotFound)));
        });
        routes.get("/schemas/ids/{id}", ctx -> send(ctx, Map.of("schema", store.byId(idOf(ctx)).toString())));
        routes.post("/compatibility/subjects/{subject}/versions/{version}", ctx -> {
            String subject = ctx.pathParam("subject");
            var schema = schemaOf(ctx);
            if (!store.subjects().contains(subject)) {
                send(ctx, Map.of("is_compatible", true));
                return;
            }
            List<String> violations = store.violations(subject, schema, ctx.pathParam("version"));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("is_compatible", violations.isEmpty());
            if (ctx.queryParam("verbose") != null) {
                body.put("messages", violations);
            }
            send(ctx, body);
        });
        routes.get("/config", ctx -> send(ctx, Map.of("compatibilityLevel", store.globalLevel().name())));
        routes.put("/config", ctx -> {
            var level = levelOf(ctx);
            store.setLevel(null, level);
            send(ctx, Map.of("compatibility", level.name()));
        });
        routes.get("/config/{subject}", ctx ->
                send(ctx, Map.of("compatibilityLevel", store.levelOf(ctx.pathParam("subject")).name())));
        routes.put("/config/{subject}", ctx -> {
            var level = levelOf(ctx);
            store.setLevel(ctx.pathParam("subject"), level);
            send(ctx, Map.of("compatibility", level.name()));
        });
    }

    private static JsonNode body(Context ctx) {
        try {
            return Json.mapper().readTree(ctx.body());
        } catch (Exception e) {
            throw new RegistryException(400, 400, "Request body is not valid JSON");
        }
    }

    private static org.apache.avro.Schema schemaOf(Context ctx) {
        JsonNode body = body(ctx);
        String type = body.path("schemaType").asText("AVRO");
        if (!"AVRO".equalsIgnoreCase(type)) {
            throw new RegistryException(422, 42201, "Unsupported schema type " + type + ": this registry stores AVRO");
        }
        JsonNode schema = body.path("schema");
        if (!schema.isTextual()) {
            throw new RegistryException(422, 42201, "Invalid schema: 'schema' must be a string holding the schema");
        }
        return SchemaStore.parse(schema.asText());
    }

    private static Compatibility levelOf(Context ctx) {
        return Compatibility.parse(body(ctx).path("compatibility").asText(null));
    }

    private static int idOf(Context ctx) {
        try {
            return Integer.parseInt(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw RegistryException.schemaNotFound();
        }
    }

    private static Map<String, Object> describe(SchemaStore.Registered r) {
        return Map.of("subject", r.subject(), "version", r.version(), "id", r.id(), "schema", r.schema().toString());
    }

    private static void send(Context ctx, Object body) {
        ctx.contentType(CONTENT_TYPE).result(json(body));
    }

    private static String json(Object body) {
        try {
            return Json.mapper().writeValueAsString(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
