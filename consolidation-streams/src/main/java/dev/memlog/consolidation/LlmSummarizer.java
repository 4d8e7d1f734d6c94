package dev.memlog.consolidation;

import dev.memlog.common.llm.LlmClient;
import dev.memlog.schemas.avro.BufferedTurn;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** A language model on an OpenAI-compatible endpoint writes the session's summary, naming people and dates. */
public final class LlmSummarizer implements Summarizer {
    /** The transcript sent is cut to this many characters, so one long session cannot exceed a model's window. */
    static final int MAX_TRANSCRIPT_CHARS = 24_000;
    static final String INSTRUCTIONS = """
            Summarize this conversation for a long-term memory store in at most 120 words. Keep every concrete fact: \
            who did what, names, places, numbers, plans, preferences, and when (resolve words such as "yesterday" or \
            "last week" against the date given). Write plain sentences in the third person; no preamble.""";
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("d MMMM yyyy, HH:mm", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);

    private final LlmClient llm;

    public LlmSummarizer(LlmClient llm) {
        this.llm = llm;
    }

    @Override
    public String name() {
        return "llm:" + llm.model();
    }

    @Override
    public Summary summarize(List<BufferedTurn> turns) {
        StringBuilder transcript = new StringBuilder("Conversation of ")
                .append(WHEN.format(turns.getFirst().getOccurredAt())).append(" (UTC):\n");
        for (BufferedTurn t : turns) {
            String line = (t.getSpeaker() == null ? "" : t.getSpeaker() + ": ") + t.getText().strip() + "\n";
            if (transcript.length() + line.length() > MAX_TRANSCRIPT_CHARS) {
                break;
            }
            transcript.append(line);
        }
        String summary = llm.ask(INSTRUCTIONS, transcript.toString());
        if (summary == null || summary.isBlank()) {
            throw new IllegalStateException("the summarizer model returned an empty summary");
        }
        return Summary.abstractive(summary.strip());
    }
}
