package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.ApiException;
import dev.memlog.consolidation.ConsolidationRules;
import dev.memlog.schemas.MemoryOwner;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What an analyst asks a replay for: the caller's tenant (from the credential), or one owner of it; the moment to
 * replay up to (now when absent); and the consolidation rules to change, by the names of their settings.
 */
record ReplayRequest(String tenantId, String userId, String agentId, Instant until, Map<String, String> rules) {
    static final int MAX_RULES = 32;
    static final int MAX_RULE_CHARS = 256;
    /** The settings a replay may change: consolidation's rules, not where its model is reached. */
    static final Set<String> RULE_NAMES = ConsolidationRules.settingNames();

    ReplayRequest {
        rules = Map.copyOf(rules);
    }

    static ReplayRequest parse(String tenant, JsonNode body) {
        if (!body.isObject()) {
            throw ApiException.badRequest("body", "the body must be a JSON object such as {\"user_id\": \"u1\", \"until\": \"2023-05-08T00:00:00Z\"}");
        }
        String user = SearchRequest.id(body, "user_id");
        String agent = SearchRequest.id(body, "agent_id");
        if (user != null && agent != null) {
            throw ApiException.badRequest("agent_id", "give user_id (a user's memory) or agent_id (an agent's own), not both:"
                    + " a replay runs whole owners, as consolidation keeps them");
        }
        return new ReplayRequest(tenant, user, agent, SearchRequest.instant(body, "until", "until"), rules(body.get("rules")));
    }

    private static Map<String, String> rules(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject() || node.size() > MAX_RULES) {
            throw ApiException.badRequest("rules", "rules must be an object of at most " + MAX_RULES
                    + " settings, such as {\"FACT_EXTRACTOR\": \"none\"}");
        }
        Map<String, String> rules = new TreeMap<>();
        for (var e : node.properties()) {
            String field = "rules." + ApiException.printable(e.getKey());
            if (!RULE_NAMES.contains(e.getKey())) {
                throw ApiException.badRequest(field, field + " is not a consolidation rule; a replay may change "
                        + String.join(", ", RULE_NAMES));
            }
            JsonNode value = e.getValue();
            if (!value.isValueNode() || value.isNull() || value.asText().length() > MAX_RULE_CHARS) {
                throw ApiException.badRequest(field, field + " must be a string, number or boolean of at most "
                        + MAX_RULE_CHARS + " characters");
            }
            rules.put(e.getKey(), value.asText());
        }
        return rules;
    }

    /** The key of the owner's inputs in the log, or null for the whole tenant. */
    String ownerKey() {
        return userId == null && agentId == null ? null : MemoryOwner.of(tenantId, userId, agentId).key();
    }

    String describe() {
        return userId != null ? "user " + userId : agentId != null ? "agent " + agentId : "tenant " + tenantId;
    }
}
