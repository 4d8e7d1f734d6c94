package dev.memlog.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each memory tool asks of the platform's API, from its arguments and its caller: the owner from the credential
 * (and a user the arguments name), everything else passed on for the services to check as they check any client.
 */
final class ToolRequests {
    static final int DEFAULT_BUDGET_TOKENS = 1500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToolRequests() {
    }

    /** POST /v1/memories: something the agent was asked to keep. */
    static ObjectNode addMemory(Caller caller, ToolArguments args) {
        ObjectNode body = owned(caller, args);
        body.put("content", args.requiredString("text"));
        putIfPresent(body, "session_id", args.string("session_id"));
        Map<String, Object> metadata = args.object("metadata");
        if (metadata != null) {
            body.set("metadata", JSON.valueToTree(metadata));
        }
        return body;
    }

    /** POST /v1/turns/batch: the turns of a conversation, in order, in one session. */
    static ObjectNode addMessages(Caller caller, ToolArguments args) {
        String session = args.requiredString("session_id");
        Map<String, String> owner = caller.owner(args.string("user_id"));
        ObjectNode body = JSON.createObjectNode();
        ArrayNode turns = body.putArray("turns");
        List<Map<String, Object>> messages = args.objects("messages");
        for (int i = 0; i < messages.size(); i++) {
            var message = new ToolArguments(messages.get(i));
            ObjectNode turn = turns.addObject();
            owner.forEach(turn::put);
            turn.put("session_id", session);
            turn.put("role", required(message, "role", "messages[" + i + "].role"));
            turn.put("content", required(message, "content", "messages[" + i + "].content"));
            putIfPresent(turn, "timestamp", message.string("timestamp"));
        }
        return body;
    }

    /** POST /v1/search: the most relevant memories, without per-score explanations (an agent rarely needs them). */
    static ObjectNode search(Caller caller, ToolArguments args) {
        ObjectNode body = owned(caller, args);
        body.put("query", args.requiredString("query"));
        putIfPresent(body, "session_id", args.string("session_id"));
        putIfPresent(body, "as_of", args.string("as_of"));
        Integer k = args.integer("limit");
        if (k != null) {
            body.put("k", k);
        }
        List<String> tiers = args.strings("tiers");
        if (tiers != null) {
            tiers.forEach(body.putArray("tiers")::add);
        }
        return body;
    }

    /** POST /v1/context: a pack of memories within a token budget, ready to put in a prompt. */
    static ObjectNode context(Caller caller, ToolArguments args) {
        ObjectNode body = search(caller, args);
        Integer budget = args.integer("budget_tokens");
        body.put("budget_tokens", budget == null ? DEFAULT_BUDGET_TOKENS : budget);
        return body;
    }

    /** GET /v1/working-memory: the latest turns of one session. */
    static Map<String, String> workingMemory(Caller caller, ToolArguments args) {
        var query = new LinkedHashMap<>(caller.owner(args.string("user_id")));
        query.put("session_id", args.requiredString("session_id"));
        return query;
    }

    /** GET /v1/memories: a page of the owner's memories, newest first. */
    static Map<String, String> listMemories(Caller caller, ToolArguments args) {
        var query = new LinkedHashMap<>(caller.owner(args.string("user_id")));
        for (String name : List.of("tier", "session_id", "observed_after", "observed_before", "as_of", "cursor")) {
            String value = args.string(name);
            if (value != null) {
                query.put(name, value);
            }
        }
        Integer limit = args.integer("limit");
        if (limit != null) {
            query.put("limit", Integer.toString(limit));
        }
        return query;
    }

    /** The owner, as query parameters, of a memory a tool names by id. */
    static Map<String, String> owner(Caller caller, ToolArguments args) {
        return caller.owner(args.string("user_id"));
    }

    /** POST /v1/feedback: which memories helped, so they are reinforced, or did not. */
    static ObjectNode reportUse(Caller caller, ToolArguments args) {
        ObjectNode body = owned(caller, args);
        List<String> ids = args.strings("record_ids");
        if (ids == null || ids.isEmpty()) {
            throw new ToolArguments.Invalid("record_ids", "record_ids is required: the ids of the memories used");
        }
        ids.forEach(body.putArray("record_ids")::add);
        String signal = args.string("signal");
        body.put("signal", signal == null ? "used" : signal);
        putIfPresent(body, "request_id", args.string("request_id"));
        return body;
    }

    private static ObjectNode owned(Caller caller, ToolArguments args) {
        ObjectNode body = JSON.createObjectNode();
        caller.owner(args.string("user_id")).forEach(body::put);
        return body;
    }

    private static String required(ToolArguments message, String name, String path) {
        try {
            return message.requiredString(name);
        } catch (ToolArguments.Invalid e) {
            throw new ToolArguments.Invalid(path, path + " is required and must be a string");
        }
    }

    private static void putIfPresent(ObjectNode body, String name, String value) {
        if (value != null) {
            body.put(name, value);
        }
    }
}
