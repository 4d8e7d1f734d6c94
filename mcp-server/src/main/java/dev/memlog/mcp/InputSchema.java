package dev.memlog.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** A tool's input as a JSON Schema object, built one argument at a time so that each is described where it is declared. */
final class InputSchema {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ObjectNode schema = JSON.createObjectNode().put("type", "object");
    private final ObjectNode properties = schema.putObject("properties");

    static InputSchema object() {
        return new InputSchema().string("user_id", "The user whose memory this is. Optional when the credential is bound to"
                + " an agent (its own memories); the tenant and the agent always come from the credential.", false);
    }

    InputSchema string(String name, String description, boolean required) {
        properties.putObject(name).put("type", "string").put("description", description);
        return required ? required(name) : this;
    }

    InputSchema choice(String name, String description, String... values) {
        ObjectNode p = properties.putObject(name).put("type", "string").put("description", description);
        for (String v : values) {
            p.withArray("enum").add(v);
        }
        return this;
    }

    InputSchema integer(String name, String description, int min, int max) {
        properties.putObject(name).put("type", "integer").put("description", description).put("minimum", min).put("maximum", max);
        return this;
    }

    InputSchema strings(String name, String description, boolean required) {
        properties.putObject(name).put("type", "array").put("description", description).putObject("items").put("type", "string");
        return required ? required(name) : this;
    }

    InputSchema stringMap(String name, String description) {
        properties.putObject(name).put("type", "object").put("description", description)
                .putObject("additionalProperties").put("type", "string");
        return this;
    }

    /** An array of conversation messages, each a role and its content. */
    InputSchema messages(String name, String description) {
        ObjectNode item = properties.putObject(name).put("type", "array").put("description", description).put("minItems", 1)
                .putObject("items").put("type", "object");
        ObjectNode p = item.putObject("properties");
        ObjectNode role = p.putObject("role").put("type", "string").put("description", "who said it");
        for (String r : new String[] {"user", "assistant", "system", "tool"}) {
            role.withArray("enum").add(r);
        }
        p.putObject("content").put("type", "string").put("description", "what was said");
        p.putObject("timestamp").put("type", "string").put("description", "when, ISO-8601 (optional; now by default)");
        item.putArray("required").add("role").add("content");
        return required(name);
    }

    private InputSchema required(String name) {
        schema.withArray("required").add(name);
        return this;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> toMap() {
        return JSON.convertValue(schema, Map.class);
    }
}
