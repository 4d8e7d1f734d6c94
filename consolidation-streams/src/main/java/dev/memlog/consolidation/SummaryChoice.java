package dev.memlog.consolidation;

import dev.memlog.common.config.Env;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.llm.LlmEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Whether and how sessions are summarized: SUMMARIZER (none, centrality: extractive and offline, llm: the LLM_*
 * endpoint, falling back to centrality when it fails), SESSION_GAP_MINUTES, SESSION_IDLE_SECONDS and
 * SUMMARY_MAX_TOKENS.
 */
public record SummaryChoice(String kind, SessionSummarizer.Settings settings, LlmEndpoint llm) {
    private static final Set<String> KINDS = Set.of("none", "centrality", "llm");
    static final int MAX_LINES = 6;
    static final int MAX_CHARS = 700;

    public SummaryChoice {
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("SUMMARIZER must be one of none, centrality, llm; got '" + kind + "'");
        }
        if (kind.equals("llm") && llm == null) {
            throw new IllegalArgumentException("SUMMARIZER=llm needs LLM_BASE_URL (and LLM_MODEL, LLM_API_KEY)");
        }
    }

    public static SummaryChoice none() {
        return new SummaryChoice("none", defaults(), null);
    }

    static SessionSummarizer.Settings defaults() {
        return new SessionSummarizer.Settings(Duration.ofMinutes(30), Duration.ofMinutes(30), 2000, Duration.ofSeconds(30), 3);
    }

    public static SummaryChoice from(Env env) {
        var settings = new SessionSummarizer.Settings(Duration.ofMinutes(env.integer("SESSION_GAP_MINUTES", 30)),
                Duration.ofSeconds(env.integer("SESSION_IDLE_SECONDS", 1800)), env.integer("SUMMARY_MAX_TOKENS", 2000),
                Duration.ofSeconds(Math.min(30, Math.max(1, env.integer("SESSION_IDLE_SECONDS", 1800) / 4))),
                env.integer("SUMMARY_MIN_TURNS", 3), ConsolidationService.sessionStateTtl(env));
        return new SummaryChoice(env.string("SUMMARIZER", "centrality").toLowerCase(Locale.ROOT), settings, ConsolidationService.llm(env));
    }

    public boolean enabled() {
        return !kind.equals("none");
    }

    /** A new processor for one stream task; only when {@link #enabled()}. */
    public SessionSummarizer processor(EmbeddingProvider embeddings, Clock clock) {
        // statements are weighed by the offline signals whatever IMPORTANCE_SCORER says: no model call per sentence
        Summarizer extractive = new CentralitySummarizer(MAX_LINES, MAX_CHARS, new SignalImportanceScorer());
        Summarizer chosen = kind.equals("llm") ? new LlmSummarizer(llm.client()) : extractive;
        return new SessionSummarizer(chosen, extractive, embeddings, settings, clock);
    }
}
