package dev.memlog.consolidation;

import dev.memlog.common.llm.LlmClient;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A language model on an OpenAI-compatible endpoint rates, from 0 to 10, how much a memory is worth keeping; when it
 * fails or answers with no number, the offline signals decide instead.
 */
public final class LlmImportanceScorer implements ImportanceScorer {
    static final int MAX_TEXT_CHARS = 2000;
    static final String INSTRUCTIONS = """
            Rate from 0 to 10 how important this message is to remember about the user for future conversations: \
            10 for lasting facts, preferences, plans, relationships and instructions; 0 for greetings and small \
            talk. Reply with the number only.""";
    private static final Pattern NUMBER = Pattern.compile("\\d+(\\.\\d+)?");

    private final LlmClient llm;
    private final ImportanceScorer fallback;

    public LlmImportanceScorer(LlmClient llm, ImportanceScorer fallback) {
        this.llm = llm;
        this.fallback = fallback;
    }

    @Override
    public String name() {
        return "llm:" + llm.model();
    }

    @Override
    public double score(String text, boolean explicit) {
        if (explicit) {
            return fallback.score(text, true);
        }
        String message = text.length() > MAX_TEXT_CHARS ? text.substring(0, MAX_TEXT_CHARS) : text;
        try {
            String reply = llm.ask(INSTRUCTIONS, message);
            Matcher m = NUMBER.matcher(reply == null ? "" : reply);
            if (m.find()) {
                return Math.clamp(Double.parseDouble(m.group()) / 10, 0, 1);
            }
        } catch (RuntimeException e) {
            // a model endpoint that is down must not stop consolidation: the offline signals still know something
        }
        return fallback.score(text, false);
    }
}
