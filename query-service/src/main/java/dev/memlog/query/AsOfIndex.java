package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.avro.MemoryRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;

/**
 * Every version of every memory that an agent knew, with its vectors and the span of event time it was in effect, so
 * that {@code as_of} searches exactly what was known at that moment, forgotten and deleted memories included.
 */
public final class AsOfIndex {
    private final Generations generations;

    AsOfIndex(Generations generations) {
        this.generations = generations;
    }

    /** The as-of index of the generation the alias points to. */
    public String name() {
        return generations.current().asOf();
    }

    /**
     * The live index's mapping, the same analyzers and vectors, plus the version's span and change. Created if missing;
     * an index of another embedding model is refused as the live one is.
     */
    static void ensure(OpenSearchRest os, String name, String model, int dimension, int shards, int replicas) {
        ObjectNode body = (ObjectNode) parse(MemoryIndex.definition(dimension, shards, replicas));
        ObjectNode mappings = (ObjectNode) body.path("mappings");
        ObjectNode properties = (ObjectNode) mappings.path("properties");
        properties.putObject("in_effect_from").put("type", "date");
        properties.putObject("in_effect_to").put("type", "date");
        properties.putObject("change").put("type", "keyword");
        ObjectNode meta = Json.mapper().createObjectNode().put("embedding_model", model).put("dimension", dimension);
        if (!os.exists("/" + name)) {
            mappings.set("_meta", meta);
            try {
                os.call("PUT", "/" + name, body.toString());
                return;
            } catch (OpenSearchRest.OpenSearchException e) {
                if (e.status() != 400 || !os.exists("/" + name)) {
                    throw e; // another instance may have created it first
                }
            }
        }
        String built = os.call("GET", "/" + name + "/_mapping", null).elements().next().path("mappings")
                .path("_meta").path("embedding_model").asText("");
        if (!built.isEmpty() && !built.equals(model)) {
            throw new MemoryIndex.EmbeddingModelMismatch(name, built, model);
        }
        os.call("PUT", "/" + name + "/_mapping", "{\"properties\":" + MemoryIndex.addable(properties) + ",\"_meta\":" + meta + "}");
    }

    static String id(String recordId, int version) {
        return recordId + ":" + version;
    }

    /**
     * What one version changes in the index: a known version is added (once: a batch read again does not reopen a
     * span since closed), and the version before it is closed at the moment this one took effect.
     */
    static List<BulkOperation> operations(String name, MemoryRecord r) {
        List<BulkOperation> ops = new ArrayList<>(2);
        long effective = VersionSpans.effectiveAt(r).toEpochMilli();
        if (r.getVersion() > 1) {
            Map<String, Object> closed = Map.of("in_effect_to", effective);
            ops.add(BulkOperation.of(op -> op.update(u -> u.index(name).id(id(r.getRecordId(), r.getVersion() - 1))
                    .document(closed))));
        }
        if (VersionSpans.known(r)) {
            Map<String, Object> doc = new LinkedHashMap<>(MemoryIndex.document(r));
            doc.put("change", r.getChange().name());
            doc.put("in_effect_from", effective);
            ops.add(BulkOperation.of(op -> op.create(c -> c.index(name).id(id(r.getRecordId(), r.getVersion())).document(doc))));
        }
        return ops;
    }

    /** Restricts a query of the as-of index to what was known at {@code at}: versions in effect then and valid then. */
    static void knownAt(ArrayNode filters, Instant at) {
        long t = at.toEpochMilli();
        filters.addObject().putObject("range").putObject("valid_from").put("lte", t);
        ArrayNode stillValid = filters.addObject().putObject("bool").put("minimum_should_match", 1).putArray("should");
        stillValid.addObject().putObject("bool").putObject("must_not").putObject("exists").put("field", "valid_to");
        stillValid.addObject().putObject("range").putObject("valid_to").put("gt", t);
        inEffect(filters, at);
    }

    /** Restricts a query to the versions in effect at {@code at}. */
    static void inEffect(ArrayNode filters, Instant at) {
        long t = at.toEpochMilli();
        filters.addObject().putObject("range").putObject("in_effect_from").put("lte", t);
        ArrayNode open = filters.addObject().putObject("bool").put("minimum_should_match", 1).putArray("should");
        open.addObject().putObject("bool").putObject("must_not").putObject("exists").put("field", "in_effect_to");
        open.addObject().putObject("range").putObject("in_effect_to").put("gt", t);
    }

    private static JsonNode parse(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
