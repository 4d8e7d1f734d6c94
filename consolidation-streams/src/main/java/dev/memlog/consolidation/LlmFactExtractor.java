package dev.memlog.consolidation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.http.Json;
import dev.memlog.common.llm.LlmClient;
import dev.memlog.schemas.avro.MemoryTier;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A language model on an OpenAI-compatible endpoint lists the facts and instructions in a message as JSON; when it
 * fails or answers with something that is not that JSON, the offline rules extract instead.
 */
public final class LlmFactExtractor implements FactExtractor {
    private static final Logger log = LoggerFactory.getLogger(LlmFactExtractor.class);
    static final int MAX_TEXT_CHARS = 2000;
    static final int MAX_FACTS = 8;
    static final String INSTRUCTIONS = """
            Extract lasting facts about the speaker (preferences, attributes, relationships, plans, life events) and \
            standing instructions to the assistant from the message. Reply with a JSON array only, no prose. Each \
            element: {"kind": "fact" or "instruction", "subject": who it is about, "attribute": a short lowercase \
            name of the property (e.g. "lives in", "favorite food", "language of replies"), or null for an event, \
            "value": the property's value or null, "statement": one self-contained sentence naming the subject, \
            "negated": true if stated in the negative}. Reply [] when there is nothing worth keeping.""";

    private final LlmClient llm;
    private final FactExtractor fallback;

    public LlmFactExtractor(LlmClient llm, FactExtractor fallback) {
        this.llm = llm;
        this.fallback = fallback;
    }

    @Override
    public String name() {
        return "llm:" + llm.model();
    }

    @Override
    public List<Fact> extract(Utterance u) {
        String text = u.text().length() > MAX_TEXT_CHARS ? u.text().substring(0, MAX_TEXT_CHARS) : u.text();
        String message = (u.speaker() == null ? "" : "Speaker: " + u.speaker() + "\n")
                + (u.explicit() ? "The assistant was asked to remember this.\n" : "") + "Message: " + text;
        try {
            return parse(llm.ask(INSTRUCTIONS, message));
        } catch (RuntimeException e) {
            log.warn("fact extractor {} failed, using {}: {}", name(), fallback.name(), e.toString());
            return fallback.extract(u);
        }
    }

    /** The facts in the model's reply; a reply that is not a JSON array of them is an error. */
    static List<Fact> parse(String reply) {
        if (reply == null) {
            throw new IllegalArgumentException("empty reply");
        }
        int start = reply.indexOf('[');
        int end = reply.lastIndexOf(']');
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("no JSON array in the reply");
        }
        JsonNode array;
        try {
            array = Json.mapper().readTree(reply.substring(start, end + 1));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("reply is not JSON: " + e.getMessage(), e);
        }
        List<Fact> facts = new ArrayList<>();
        for (JsonNode f : array) {
            String statement = text(f, "statement");
            if (statement == null || statement.isBlank() || facts.size() == MAX_FACTS) {
                continue;
            }
            MemoryTier tier = "instruction".equalsIgnoreCase(text(f, "kind")) ? MemoryTier.PROCEDURAL : MemoryTier.SEMANTIC;
            facts.add(new Fact(tier, tier == MemoryTier.PROCEDURAL && text(f, "attribute") != null ? "instructions" : text(f, "subject"),
                    text(f, "attribute"), text(f, "value"), statement.strip(), f.path("negated").asBoolean(false)));
        }
        return facts;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
