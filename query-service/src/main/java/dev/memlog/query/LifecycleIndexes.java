package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.http.Json;
import dev.memlog.common.memory.StrengthModel;
import dev.memlog.schemas.RecordKinds;
import dev.memlog.schemas.avro.MemoryRecord;
import dev.memlog.schemas.avro.MemoryStrength;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Beside the live index, those the lifecycle needs: every version of every memory ever derived (history, kept when a
 * memory is forgotten, superseded or deleted), each memory's use history (strength) and the use history each
 * forgotten life ended with (strength lives), all without vectors; and the versions that were known, with vectors,
 * for {@code as_of} ({@link AsOfIndex}).
 */
public final class LifecycleIndexes {
    private final OpenSearchRest os;
    private final Generations generations;
    private final AsOfIndex asOf;

    /** The lifecycle indexes of the generation the alias points to. */
    public LifecycleIndexes(OpenSearchRest os, Generations generations) {
        this.os = os;
        this.generations = generations;
        this.asOf = new AsOfIndex(generations);
    }

    public AsOfIndex asOf() {
        return asOf;
    }

    /** Where a forgotten memory's use history is kept as it ended, by record id and forgetting time. */
    public String strengthLives() {
        return generations.current().strengthLives();
    }

    public String history() {
        return generations.current().history();
    }

    public String strength() {
        return generations.current().strength();
    }

    /** Creates the index from its definition if missing; fields added since are added to an existing one. */
    static void ensure(OpenSearchRest os, String index, String resource, int shards, int replicas) {
        String definition = MemoryIndex.definition(resource, shards, replicas);
        if (!os.exists("/" + index)) {
            try {
                os.call("PUT", "/" + index, definition);
                return;
            } catch (OpenSearchRest.OpenSearchException e) {
                if (e.status() != 400 || !os.exists("/" + index)) {
                    throw e; // another instance may have created it first; anything else is a real failure
                }
            }
        }
        JsonNode properties = parse(definition).path("mappings").path("properties");
        os.call("PUT", "/" + index + "/_mapping", "{\"properties\":" + properties + "}");
    }

    private static JsonNode parse(String json) {
        try {
            return Json.mapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A version of a memory as history keeps it: everything but the vectors. Its id is record id and version. */
    static String historyId(MemoryRecord r) {
        return r.getRecordId() + ":" + r.getVersion();
    }

    /**
     * @param topic where this version is in the log: memory.records, with its partition and offset
     */
    static Map<String, Object> historyDocument(MemoryRecord r, String topic, int partition, long offset) {
        Map<String, Object> doc = new LinkedHashMap<>(MemoryIndex.document(r));
        doc.keySet().removeAll(List.of("embedding", "context_embedding", "search_text"));
        doc.put("change", r.getChange().name());
        doc.put("change_reason", r.getChangeReason());
        doc.put("forgotten_at", r.getForgottenAt() == null ? null : r.getForgottenAt().toEpochMilli());
        doc.put("deleted_at", r.getDeletedAt() == null ? null : r.getDeletedAt().toEpochMilli());
        doc.put("deleted_by", r.getDeletedBy());
        doc.put("log", position(topic, partition, offset));
        var source = r.getDerivedWhile();
        doc.put("derived_while", source == null ? null : position(source.getTopic(), source.getPartition(), source.getOffset()));
        return doc;
    }

    private static Map<String, Object> position(String topic, int partition, long offset) {
        Map<String, Object> at = new LinkedHashMap<>();
        at.put("topic", topic);
        at.put("partition", partition);
        at.put("offset", offset);
        return at;
    }

    static Map<String, Object> strengthDocument(MemoryStrength s) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("record_id", s.getRecordId());
        doc.put("tenant_id", s.getTenantId());
        doc.put("user_id", s.getUserId());
        doc.put("agent_id", s.getAgentId());
        doc.put("importance", s.getImportance());
        doc.put("pinned", s.getPinned());
        doc.put("born_at", s.getBornAt().toEpochMilli());
        doc.put("uses", s.getUses().stream().map(Instant::toEpochMilli).toList());
        doc.put("use_count", s.getUseCount());
        doc.put("used", s.getUsed());
        doc.put("not_useful", s.getNotUseful());
        doc.put("last_source", s.getLastSource());
        doc.put("version", s.getVersion());
        doc.put("forgotten_at", s.getForgottenAt() == null ? null : s.getForgottenAt().toEpochMilli());
        doc.put("updated_at", s.getUpdatedAt().toEpochMilli());
        return doc;
    }

    /** The use histories of these memories of the tenant that have one, by record id, in one request. */
    public Map<String, JsonNode> strengths(String tenant, Collection<String> recordIds) {
        if (recordIds.isEmpty()) {
            return Map.of();
        }
        ObjectNode body = Json.mapper().createObjectNode();
        ArrayNode ids = body.putArray("ids");
        recordIds.forEach(ids::add);
        Map<String, JsonNode> found = new LinkedHashMap<>();
        for (JsonNode doc : os.call("POST", "/" + strength() + "/_mget", body.toString()).path("docs")) {
            JsonNode src = doc.path("_source");
            if (doc.path("found").asBoolean(false) && tenant.equals(src.path("tenant_id").asText())) {
                found.put(doc.path("_id").asText(), src);
            }
        }
        return found;
    }

    /** A forgotten life's use history is kept under the memory and the moment it was forgotten. */
    static String lifeId(MemoryStrength s) {
        return s.getRecordId() + ":" + s.getForgottenAt().toEpochMilli();
    }

    /**
     * The use histories of these memories as they stood at {@code at}: a memory forgotten after it and restated since
     * started a new life, so the life that held {@code at} is the one forgotten first after it, else the current one.
     * The uses are those of the whole life; {@link StrengthModel.Uses#before} keeps those before {@code at}.
     */
    public Map<String, JsonNode> strengthsAt(String tenant, Collection<String> recordIds, Instant at) {
        Map<String, JsonNode> found = strengths(tenant, recordIds);
        if (recordIds.isEmpty()) {
            return found;
        }
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("size", Math.min(10_000, recordIds.size() * 20));
        body.putArray("sort").addObject().put("forgotten_at", "desc");
        ArrayNode filter = body.putObject("query").putObject("bool").putArray("filter");
        filter.addObject().putObject("term").put("tenant_id", tenant);
        ArrayNode ids = filter.addObject().putObject("terms").putArray("record_id");
        recordIds.forEach(ids::add);
        filter.addObject().putObject("range").putObject("forgotten_at").put("gte", at.toEpochMilli());
        // newest first, so the last one put for a memory is its first life ended at or after the moment
        for (JsonNode hit : os.call("POST", "/" + strengthLives() + "/_search", body.toString()).path("hits").path("hits")) {
            found.put(hit.path("_source").path("record_id").asText(), hit.path("_source"));
        }
        return found;
    }

    /** What strength is computed from: the memory's use history, or for one never used, its own record. */
    static StrengthModel.Uses uses(JsonNode strengthDoc, Instant validFrom, double importance, String tier,
                                   Map<String, String> metadata) {
        if (strengthDoc == null) {
            return StrengthModel.Uses.unused(validFrom, importance, RecordKinds.pinned(tier, metadata));
        }
        List<Instant> recent = new ArrayList<>();
        strengthDoc.path("uses").forEach(u -> recent.add(Instant.ofEpochMilli(u.asLong())));
        return new StrengthModel.Uses(Instant.ofEpochMilli(strengthDoc.path("born_at").asLong()), recent,
                strengthDoc.path("use_count").asInt(), strengthDoc.path("importance").asDouble(),
                strengthDoc.path("pinned").asBoolean(), strengthDoc.path("not_useful").asInt());
    }

    /** Every version of one memory of the tenant, oldest first; empty when the tenant has no such memory. */
    public List<JsonNode> versions(String tenant, String recordId) {
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("size", 1000);
        body.putArray("sort").addObject().put("version", "asc");
        ArrayNode filter = body.putObject("query").putObject("bool").putArray("filter");
        filter.addObject().putObject("term").put("tenant_id", tenant);
        filter.addObject().putObject("term").put("record_id", recordId);
        List<JsonNode> versions = new ArrayList<>();
        os.call("POST", "/" + history() + "/_search", body.toString()).path("hits").path("hits")
                .forEach(h -> versions.add(h.path("_source")));
        return versions;
    }

    /**
     * The first version of each turn of the owner that one of these events was said in: the turns a fact or a
     * summary was drawn from. At most {@code limit}.
     */
    public List<JsonNode> turnsOf(String tenant, String userId, String agentId, Collection<String> eventIds, int limit) {
        if (eventIds.isEmpty()) {
            return List.of();
        }
        ObjectNode body = Json.mapper().createObjectNode();
        body.put("size", limit);
        ObjectNode bool = body.putObject("query").putObject("bool");
        ArrayNode filter = bool.putArray("filter");
        filter.addObject().putObject("term").put("tenant_id", tenant);
        ownerFilter(filter, "user_id", userId);
        ownerFilter(filter, "agent_id", agentId);
        filter.addObject().putObject("term").put("tier", "EPISODIC");
        filter.addObject().putObject("term").put("version", 1);
        ArrayNode ids = filter.addObject().putObject("terms").putArray("provenance");
        eventIds.forEach(ids::add);
        bool.putArray("must_not").addObject().putObject("term").put("metadata.kind", RecordKinds.SESSION_SUMMARY);
        List<JsonNode> turns = new ArrayList<>();
        os.call("POST", "/" + history() + "/_search", body.toString()).path("hits").path("hits")
                .forEach(h -> turns.add(h.path("_source")));
        return turns;
    }

    /** The owner's field: its value, or for an owner without one (a user's memory has no agent), absent. */
    private static void ownerFilter(ArrayNode filter, String field, String value) {
        if (value != null) {
            filter.addObject().putObject("term").put(field, value);
        } else {
            filter.addObject().putObject("bool").putObject("must_not").putObject("exists").put("field", field);
        }
    }

    /** Memories of the tenant (in the scope) forgotten and not restated since. */
    public long forgotten(String tenant, SearchRequest scope) {
        ObjectNode body = Json.mapper().createObjectNode();
        ArrayNode filter = body.putObject("query").putObject("bool").putArray("filter");
        filter.addObject().putObject("term").put("tenant_id", tenant);
        if (scope.userId() != null) {
            filter.addObject().putObject("term").put("user_id", scope.userId());
        }
        if (scope.agentId() != null) {
            filter.addObject().putObject("term").put("agent_id", scope.agentId());
        }
        filter.addObject().putObject("exists").put("field", "forgotten_at");
        return os.call("POST", "/" + strength() + "/_count", body.toString()).path("count").asLong();
    }
}
