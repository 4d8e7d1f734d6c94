package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.avro.MemoryRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Memory records live in a k-NN index with an explicit, strict mapping (lucene HNSW, cosine) behind an alias,
 * so a rebuild can fill a new generation and swap the alias.
 */
public final class MemoryIndex {
    private static final Logger log = LoggerFactory.getLogger(MemoryIndex.class);

    private final OpenSearchRest os;
    private final String alias;
    private final Generations generations;

    /** @param materializerGroup the consumer group of the first generation's materializer (MATERIALIZER_GROUP) */
    public MemoryIndex(OpenSearchRest os, String alias, String materializerGroup) {
        this.os = os;
        this.alias = alias;
        this.generations = new Generations(os, alias, materializerGroup);
    }

    public MemoryIndex(OpenSearchRest os, String alias) {
        this(os, alias, "memlog-query-materializer");
    }

    public String alias() {
        return alias;
    }

    Generations generations() {
        return generations;
    }

    /** The index body for a vector dimension: the mapping resource with its placeholders filled in. */
    public static String definition(int dimension, int shards, int replicas) {
        return definition("/memory-index.json", shards, replicas).replace("\"__DIMENSION__\"", Integer.toString(dimension));
    }

    /** An index body from a mapping resource, with its shard and replica placeholders filled in. */
    static String definition(String resource, int shards, int replicas) {
        try (InputStream in = MemoryIndex.class.getResourceAsStream(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("\"__SHARDS__\"", Integer.toString(shards))
                    .replace("\"__REPLICAS__\"", Integer.toString(replicas));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Creates the first generation and its alias if the alias does not exist, recording the embedding model it is built
     * with; refuses a generation built with another model; adds fields added since to the generation's indexes.
     * Returns the generation the alias points to.
     *
     * @throws EmbeddingModelMismatch when the generation's vectors come from another model than {@code model}
     */
    public Generation ensure(String model, int dimension, int shards, int replicas) {
        Generation current;
        if (!generations.exist()) {
            current = Generation.first(alias, model, dimension, generations.baseGroup());
            generations.create(current, null, shards, replicas);
            try {
                os.call("POST", "/_aliases", """
                        {"actions":[{"add":{"index":"%s","alias":"%s","is_write_index":true}}]}""".formatted(current.live(), alias));
            } catch (OpenSearchRest.OpenSearchException e) {
                if (!generations.exist()) {
                    throw e; // another instance may have made it first
                }
            }
            log.info("created index {} behind alias {} (embedding model {}, dimension {}, lucene HNSW)", current.live(), alias,
                    model, dimension);
        }
        current = generations.refresh();
        String built = current.model().isEmpty() ? builtWith() : current.model();
        if (built != null && !built.equals(model)) {
            throw new EmbeddingModelMismatch(alias, built, model);
        }
        if (current.model().isEmpty()) {
            current = new Generation(alias, current.number(), current.live(), current.asOf(), current.history(),
                    current.strength(), current.strengthLives(), model, dimension, current.derivation(), current.group());
        }
        // fields added since the index was created are added to it; a changed field fails here, loudly
        JsonNode properties = addable(parse(definition(dimension, shards, replicas)).path("mappings").path("properties"));
        generations.describe(current, properties);
        AsOfIndex.ensure(os, current.asOf(), model, dimension, shards, replicas);
        LifecycleIndexes.ensure(os, current.history(), "/history-index.json", shards, replicas);
        LifecycleIndexes.ensure(os, current.strength(), "/strength-index.json", shards, replicas);
        LifecycleIndexes.ensure(os, current.strengthLives(), "/strength-index.json", shards, replicas);
        return generations.refresh();
    }

    /**
     * The fields of a mapping that may be put on an existing index: all but the vectors, whose graph settings are fixed
     * when an index is made (a change of them reaches an index by a rebuild into a new generation).
     */
    static JsonNode addable(JsonNode properties) {
        var copy = (com.fasterxml.jackson.databind.node.ObjectNode) properties.deepCopy();
        List.copyOf(copy.propertyStream().filter(e -> "knn_vector".equals(e.getValue().path("type").asText()))
                .map(Map.Entry::getKey).toList()).forEach(copy::remove);
        return copy;
    }

    /** Creates an index with the live mapping outside the generations (an analyst replay's scratch index). */
    void createScratch(String index, String model, int dimension, int shards, int replicas) {
        var body = (com.fasterxml.jackson.databind.node.ObjectNode) parse(definition(dimension, shards, replicas));
        ((com.fasterxml.jackson.databind.node.ObjectNode) body.path("mappings")).set("_meta",
                Json.mapper().createObjectNode().put("embedding_model", model).put("dimension", dimension));
        os.call("PUT", "/" + index, body.toString());
    }

    /**
     * What one version does to a live index: a memory valid or superseded is indexed, a forgotten or deleted one
     * removed; versioned externally, so an older version arriving late or twice changes nothing.
     */
    static org.opensearch.client.opensearch.core.bulk.BulkOperation liveOperation(String index, MemoryRecord record) {
        var version = org.opensearch.client.opensearch._types.VersionType.ExternalGte;
        if (record.getForgottenAt() != null || record.getDeletedAt() != null) {
            return org.opensearch.client.opensearch.core.bulk.BulkOperation.of(op -> op.delete(d -> d.index(index)
                    .id(record.getRecordId()).version((long) record.getVersion()).versionType(version)));
        }
        return org.opensearch.client.opensearch.core.bulk.BulkOperation.of(op -> op.index(i -> i.index(index)
                .id(record.getRecordId()).version((long) record.getVersion()).versionType(version).document(document(record))));
    }


    /** For an index made before it recorded its model: what its documents say; null for an empty one. */
    String builtWith() {
        JsonNode hit = os.call("POST", "/" + alias + "/_search", """
                {"size":1,"_source":["embedding_model"],"query":{"exists":{"field":"embedding_model"}}}""")
                .path("hits").path("hits").path(0);
        String found = hit.path("_source").path("embedding_model").asText("");
        return found.isEmpty() ? null : found;
    }

    /** The index holds vectors of another embedding model: mixing them would make every vector score meaningless. */
    public static final class EmbeddingModelMismatch extends IllegalStateException {
        EmbeddingModelMismatch(String alias, String built, String configured) {
            super("the index behind " + alias + " holds vectors of embedding model " + built + ", but EMBEDDING_MODEL is "
                    + configured + ": set EMBEDDING_MODEL=" + built + " (and the same in consolidation), or derive the"
                    + " memories again with the new model and rebuild into a generation of it"
                    + " (docs/time-travel.md#re-deriving-memory)");
        }
    }

    private static JsonNode parse(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mapping as OpenSearch holds it for the alias's index. */
    public JsonNode mapping() {
        JsonNode all = os.call("GET", "/" + alias + "/_mapping", null);
        return all.elements().next().path("mappings");
    }

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    /**
     * What BM25 matches: the text with its speaker's name, when the caller gave one, and the day it was observed,
     * so "what did Ann do in May 2023?" finds what Ann said that month.
     */
    static String searchText(MemoryRecord r) {
        String speaker = r.getMetadata().get("speaker");
        String text = speaker == null || speaker.isBlank() ? r.getText() : speaker + ": " + r.getText();
        return text + "\n" + DAY.format(r.getObservedAt());
    }

    public static Map<String, Object> document(MemoryRecord r) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("record_id", r.getRecordId());
        doc.put("tenant_id", r.getTenantId());
        doc.put("user_id", r.getUserId());
        doc.put("agent_id", r.getAgentId());
        doc.put("session_id", r.getSessionId());
        doc.put("follows", r.getFollows());
        doc.put("tier", r.getTier().name());
        doc.put("role", r.getRole());
        doc.put("text", r.getText());
        doc.put("search_text", searchText(r));
        doc.put("speaker", r.getMetadata().get("speaker"));
        doc.put("embedding", r.getEmbedding());
        // a memory without context is its own context, so the context sub-query can still find it
        doc.put("context_embedding", r.getContextEmbedding().isEmpty() ? r.getEmbedding() : r.getContextEmbedding());
        doc.put("embedding_model", r.getEmbeddingModel());
        doc.put("importance", r.getImportance());
        doc.put("observed_at", r.getObservedAt().toEpochMilli());
        doc.put("created_at", r.getCreatedAt().toEpochMilli());
        doc.put("valid_from", r.getValidFrom().toEpochMilli());
        doc.put("valid_to", r.getValidTo() == null ? null : r.getValidTo().toEpochMilli());
        doc.put("provenance", r.getProvenance());
        doc.put("version", r.getVersion());
        doc.put("metadata", r.getMetadata());
        return doc;
    }
}
