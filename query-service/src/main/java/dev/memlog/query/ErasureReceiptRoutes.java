package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.Access;
import dev.memlog.common.auth.Scope;
import dev.memlog.common.http.ApiException;
import dev.memlog.common.http.Json;
import dev.memlog.common.http.ScopedRoutes;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * An erasure's receipt for whoever may erase in the tenant: 404 until the indexes have taken it, then what each index
 * deleted and when, and whether the deleted documents have left the segment files yet.
 */
final class ErasureReceiptRoutes {
    private static final Pattern ERASURE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private final ErasureReceipts receipts;

    ErasureReceiptRoutes(ErasureReceipts receipts) {
        this.receipts = receipts;
    }

    void register(JavalinConfig config) {
        ScopedRoutes.of(config, Scope.ERASE).get("/v1/erasure/{erasure_id}", this::receipt);
    }

    private void receipt(Context ctx) {
        String id = ctx.pathParam("erasure_id");
        if (!ERASURE_ID.matcher(id).matches()) {
            throw ApiException.badRequest("erasure_id", "erasure_id must be the erasure_id POST /v1/erasure answered");
        }
        JsonNode receipt = receipts.find(Access.tenant(ctx), id).orElseThrow(() -> new ApiException(404,
                "no erasure " + id + " has reached the indexes of this tenant (yet: they take one within seconds)", "erasure_id"));
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("erasure_id", id);
        out.put("subject", receipt.path("subject").asText());
        out.put("actor", receipt.path("actor").asText());
        out.put("requested_at", time(receipt.path("requested_at")));
        out.put("indexes_erased_at", time(receipt.path("indexes_erased_at")));
        out.set("documents_deleted", receipt.path("documents_deleted"));
        String expunged = time(receipt.path("expunged_at"));
        out.put("expunged_at", expunged);
        out.put("status", expunged == null
                ? "every document deleted from every index; their segments are being merged away"
                : "every document deleted from every index and merged out of the segment files");
        ctx.json(out);
    }

    private static String time(JsonNode millis) {
        return millis.isNumber() ? Instant.ofEpochMilli(millis.asLong()).toString() : null;
    }
}
