package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.http.Json;
import dev.memlog.schemas.RecordKinds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A memory's lineage, from its history documents: the events it came from with their places in the log (through the
 * turns a fact or summary was drawn from), the rule that derived it, and every change since with what caused it.
 */
final class Lineage {
    private Lineage() {
    }

    /**
     * @param versions every version of the memory, oldest first
     * @param turns    the first version of each turn whose event is among the memory's sources
     * @param related  the versions of the memories it superseded or was superseded by, by record id
     */
    static ObjectNode of(List<JsonNode> versions, List<JsonNode> turns, Map<String, List<JsonNode>> related) {
        JsonNode first = versions.getFirst();
        JsonNode last = versions.getLast();
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("record_id", first.path("record_id").asText());
        out.put("tier", first.path("tier").asText());
        out.put("kind", kind(first));
        out.put("text", last.path("text").asText());
        out.put("state", state(last));
        out.set("derived_by", rule(first));

        Map<String, JsonNode> positions = new LinkedHashMap<>();
        Map<String, JsonNode> turnOf = new LinkedHashMap<>();
        for (JsonNode turn : turns) {
            String event = turn.path("provenance").path(0).asText();
            turnOf.put(event, turn);
            if (isPosition(turn.path("derived_while"))) {
                positions.putIfAbsent(event, turn.path("derived_while"));
            }
        }
        ArrayNode changes = out.putArray("versions");
        Set<String> seen = new LinkedHashSet<>();
        for (JsonNode v : versions) {
            List<String> added = new ArrayList<>();
            v.path("provenance").forEach(p -> {
                if (seen.add(p.asText())) {
                    added.add(p.asText());
                }
            });
            // the event consolidated when the version was made is the one it added, when it added exactly one
            if (added.size() == 1 && isPosition(v.path("derived_while"))) {
                positions.put(added.getFirst(), v.path("derived_while"));
            }
            changes.add(change(v, added, related));
        }
        ArrayNode sources = out.putArray("sources");
        for (String event : seen) {
            ObjectNode source = sources.addObject().put("event_id", event);
            source.set("log", positions.getOrDefault(event, null));
            JsonNode turn = turnOf.get(event);
            if (turn != null && !turn.path("record_id").asText().equals(first.path("record_id").asText())) {
                source.putObject("turn").put("record_id", turn.path("record_id").asText())
                        .put("text", turn.path("text").asText()).put("observed_at", instant(turn, "observed_at"))
                        .set("log", turn.path("log"));
            }
        }
        String supersedes = first.path("metadata").path("supersedes").asText(null);
        if (supersedes != null && related.containsKey(supersedes)) {
            out.set("supersedes", summary(related.get(supersedes)));
        }
        String supersededBy = last.path("metadata").path("superseded_by").asText(null);
        if (supersededBy != null && related.containsKey(supersededBy)) {
            out.set("superseded_by", summary(related.get(supersededBy)));
        }
        return out;
    }

    private static ObjectNode change(JsonNode v, List<String> added, Map<String, List<JsonNode>> related) {
        ObjectNode c = Json.mapper().createObjectNode();
        c.put("version", v.path("version").asInt());
        c.put("change", v.path("change").asText("DERIVED"));
        c.put("rule", switch (v.path("change").asText("DERIVED")) {
            case "DERIVED" -> "derived as " + kind(v) + by(v);
            case "REINFORCED" -> "restated: the same memory said again";
            case "SUPERSEDED" -> "superseded: a newer memory of the same subject and attribute";
            case "FORGOTTEN" -> "forgotten: the strength check found it below the threshold";
            case "REVIVED" -> "revived: restated after it was forgotten";
            case "DELETED" -> "deleted on request by " + v.path("deleted_by").asText("unknown");
            default -> v.path("change").asText();
        });
        if (v.path("change_reason").isTextual()) {
            c.put("reason", v.path("change_reason").asText());
        }
        c.put("in_effect_from", Instant.ofEpochMilli(effectiveAt(v)).toString());
        c.put("derived_at", instant(v, "created_at"));
        ArrayNode events = c.putArray("events_added");
        added.forEach(events::add);
        c.set("log", v.path("log").isMissingNode() ? null : v.path("log"));
        c.set("derived_while", isPosition(v.path("derived_while")) ? v.path("derived_while") : null);
        String by = v.path("metadata").path("superseded_by").asText(null);
        if ("SUPERSEDED".equals(v.path("change").asText()) && by != null) {
            c.put("superseded_by", by);
        }
        return c;
    }

    /** When a version took effect, in event time: the JSON twin of {@link VersionSpans#effectiveAt}. */
    static long effectiveAt(JsonNode v) {
        String field = switch (v.path("change").asText("DERIVED")) {
            case "SUPERSEDED" -> "valid_to";
            case "FORGOTTEN" -> "forgotten_at";
            case "DELETED", "ERASED" -> "deleted_at";
            default -> "observed_at";
        };
        return v.path(field).isNumber() ? v.path(field).asLong() : v.path("observed_at").asLong();
    }

    private static ObjectNode rule(JsonNode first) {
        ObjectNode rule = Json.mapper().createObjectNode().put("rule", kind(first));
        JsonNode metadata = first.path("metadata");
        for (String part : List.of("extractor", "summarizer")) {
            if (metadata.path(part).isTextual()) {
                rule.put(part, metadata.path(part).asText());
            }
        }
        rule.put("embedding_model", first.path("embedding_model").asText());
        return rule;
    }

    private static String by(JsonNode v) {
        JsonNode metadata = v.path("metadata");
        return metadata.path("extractor").isTextual() ? " by extractor " + metadata.path("extractor").asText()
                : metadata.path("summarizer").isTextual() ? " by summarizer " + metadata.path("summarizer").asText() : "";
    }

    /** What rule made the memory: a turn as said, a fact, a session summary, an explicit memory or instruction. */
    static String kind(JsonNode v) {
        String kind = v.path("metadata").path("kind").asText("");
        return kind.isEmpty() ? "EPISODIC".equals(v.path("tier").asText()) ? "turn" : v.path("tier").asText().toLowerCase()
                : kind.equals(RecordKinds.EXPLICIT) && "PROCEDURAL".equals(v.path("tier").asText()) ? "instruction" : kind;
    }

    static String state(JsonNode last) {
        if (last.path("deleted_at").isNumber()) {
            return "deleted";
        }
        if (last.path("forgotten_at").isNumber()) {
            return "forgotten";
        }
        return last.path("valid_to").isNumber() ? "superseded" : "live";
    }

    private static ObjectNode summary(List<JsonNode> versions) {
        JsonNode first = versions.getFirst();
        JsonNode last = versions.getLast();
        ObjectNode node = Json.mapper().createObjectNode().put("record_id", first.path("record_id").asText())
                .put("text", last.path("text").asText()).put("state", state(last))
                .put("in_effect_from", Instant.ofEpochMilli(effectiveAt(first)).toString());
        node.set("derived_while", isPosition(first.path("derived_while")) ? first.path("derived_while") : null);
        return node;
    }

    private static boolean isPosition(JsonNode node) {
        return node.isObject() && node.path("offset").isNumber();
    }

    private static String instant(JsonNode v, String field) {
        return v.path(field).isNumber() ? Instant.ofEpochMilli(v.path(field).asLong()).toString() : null;
    }
}
