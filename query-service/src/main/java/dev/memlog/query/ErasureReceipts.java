package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.avro.AuditEntry;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;

/**
 * The receipt of each erasure as the indexes took it, kept where users can read it back: what was deleted from which
 * index, when, and when the deleted documents left the segment files. The first receipt of an erasure stands: a
 * retried or replayed erasure deletes nothing more and does not overwrite what the first deleted.
 */
final class ErasureReceipts {
    private final OpenSearchRest os;
    private final String index;

    ErasureReceipts(OpenSearchRest os, String alias) {
        this.os = os;
        this.index = alias + "-erasures";
    }

    String index() {
        return index;
    }

    void ensure(int shards, int replicas) {
        LifecycleIndexes.ensure(os, index, "/erasure-index.json", shards, replicas);
    }

    /** Keeps the receipt unless this erasure has one. */
    void record(AuditEntry entry, Instant requestedAt) {
        ObjectNode doc = Json.mapper().createObjectNode();
        doc.put("erasure_id", entry.getEventId());
        doc.put("tenant_id", entry.getTenantId());
        doc.put("subject", entry.getTarget());
        doc.put("actor", entry.getActor());
        doc.put("requested_at", requestedAt == null ? null : requestedAt.toEpochMilli());
        doc.put("indexes_erased_at", entry.getAt().toEpochMilli());
        ObjectNode deleted = doc.putObject("documents_deleted");
        entry.getDetails().forEach((name, count) -> deleted.put(name.substring("documents_deleted_".length()), count));
        try {
            os.call("PUT", "/" + index + "/_create/" + id(entry.getTenantId(), entry.getEventId()), doc.toString(),
                    java.util.Map.of("refresh", "true"));
        } catch (OpenSearchRest.OpenSearchException e) {
            if (e.status() != 409) {
                throw e; // 409: the first receipt of this erasure stands
            }
        }
    }

    /** The segments no longer hold any deleted document: each of these receipts says when. */
    void expunged(Collection<AuditEntry> entries, Instant at) {
        for (AuditEntry entry : entries) {
            os.call("POST", "/" + index + "/_update/" + id(entry.getTenantId(), entry.getEventId()),
                    "{\"doc\":{\"expunged_at\":" + at.toEpochMilli() + "}}", java.util.Map.of("refresh", "true"));
        }
    }

    /** The tenant's receipt of one erasure, if the indexes have taken it. */
    Optional<JsonNode> find(String tenant, String erasureId) {
        try {
            JsonNode doc = os.call("GET", "/" + index + "/_doc/" + id(tenant, erasureId), null);
            return doc.path("found").asBoolean() ? Optional.of(doc.path("_source")) : Optional.empty();
        } catch (OpenSearchRest.OpenSearchException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** One document per tenant and erasure: a receipt id never reaches another tenant's. */
    private static String id(String tenant, String erasureId) {
        return java.net.URLEncoder.encode(tenant + ":" + erasureId, java.nio.charset.StandardCharsets.UTF_8);
    }
}
