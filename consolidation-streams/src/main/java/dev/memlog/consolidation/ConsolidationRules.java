package dev.memlog.consolidation;

import dev.memlog.common.config.Env;
import dev.memlog.common.embedding.EmbeddingProvider;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What consolidation derives and by which rules (facts, summaries, importance, working memory, the lifecycle, limits),
 * as an operator chooses them by environment: the service runs them, and a replay runs them with some changed.
 *
 * @param sessionStateTtl how long per-session state outlives a session's last turn, in platform time
 * @param maxEventContentChars an event longer than this is a dead letter
 */
public record ConsolidationRules(boolean embedPreviousTurn, int contextMaxWords, EpisodeRecorder.ContextVector contextVector,
                                 SummaryChoice summaries, FactChoice facts,
                                 ImportanceScorer importance, int workingMemoryTokens, Lifecycle lifecycle,
                                 Duration sessionStateTtl, int maxEventContentChars) {

    /** @throws IllegalArgumentException for a rule that names no summarizer or extractor, or a model with no endpoint */
    public static ConsolidationRules from(Env env, Clock clock) {
        var summaries = SummaryChoice.from(env);
        choose("SUMMARIZER", summaries.kind(), Set.of("centrality", "llm", "none"), summaries.llm() != null);
        var facts = FactChoice.from(env);
        choose("FACT_EXTRACTOR", facts.kind(), Set.of("rules", "llm", "none"), facts.llm() != null);
        String contextVector = env.string("CONTEXT_VECTOR", "joint").toLowerCase(Locale.ROOT);
        choose("CONTEXT_VECTOR", contextVector, Arrays.stream(EpisodeRecorder.ContextVector.values())
                .map(kind -> kind.name().toLowerCase(Locale.ROOT)).collect(Collectors.toSet()), false);
        return new ConsolidationRules(Boolean.parseBoolean(env.string("EMBED_PREVIOUS_TURN", "true")),
                env.integer("CONTEXT_VECTOR_MAX_WORDS", Integer.MAX_VALUE),
                EpisodeRecorder.ContextVector.valueOf(contextVector.toUpperCase(Locale.ROOT)),
                summaries, facts, ConsolidationService.Config.importance(env),
                env.integer("WORKING_MEMORY_TOKENS", 2000), Lifecycle.from(env, clock),
                ConsolidationService.sessionStateTtl(env), env.integer("MAX_EVENT_CONTENT_CHARS", 65_536));
    }

    private static void choose(String name, String kind, Set<String> kinds, boolean endpoint) {
        if (!kinds.contains(kind)) {
            throw new IllegalArgumentException(name + " must be one of " + String.join(", ", new TreeSet<>(kinds)));
        }
        if (kind.equals("llm") && !endpoint) {
            throw new IllegalArgumentException(name + "=llm needs LLM_BASE_URL (and LLM_MODEL, LLM_API_KEY)");
        }
    }

    /**
     * The settings these rules are read from, the LLM endpoint's excepted: a replay may change any of them, while
     * where a model is reached (and with which credential) stays the platform's own.
     */
    public static Set<String> settingNames() {
        var env = new Env(Map.of());
        from(env, Clock.systemUTC());
        var names = new TreeSet<>(env.effective().keySet());
        names.removeIf(name -> name.startsWith("LLM_"));
        return names;
    }

    /** Whether any rule calls an LLM inside a Kafka transaction. */
    public boolean callsLlm() {
        return summaries.kind().equals("llm") || facts.kind().equals("llm") || importance instanceof LlmImportanceScorer;
    }

    /** The topology's parts for these rules, embedding with {@code embeddings}. */
    public ConsolidationService.Parts parts(EmbeddingProvider embeddings, Clock clock) {
        var parts = ConsolidationService.Parts.turns(new EpisodeRecorder(embeddings, importance, clock, contextMaxWords, contextVector), embedPreviousTurn)
                .withLimits(sessionStateTtl, maxEventContentChars)
                .withFacts(() -> facts.processor(embeddings, importance, clock))
                .withWorkingMemory(() -> new WorkingMemory(workingMemoryTokens, sessionStateTtl))
                .withLifecycle(lifecycle);
        return summaries.enabled() ? parts.withSummaries(() -> summaries.processor(embeddings, clock)) : parts;
    }

    @Override
    public String toString() {
        return "summaries=" + summaries.kind() + ", facts=" + facts.kind() + ", importance="
                + importance.getClass().getSimpleName().replace("ImportanceScorer", "").toLowerCase(Locale.ROOT) + ", forgetting="
                + (lifecycle.forgetting() ? "below " + lifecycle.forgetBelow() : "off");
    }
}
