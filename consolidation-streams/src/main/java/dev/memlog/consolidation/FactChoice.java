package dev.memlog.consolidation;

import dev.memlog.common.config.Env;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.llm.LlmEndpoint;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;

/**
 * Whether and how facts are drawn from turns: FACT_EXTRACTOR (none: turns stay episodes only, rules: offline
 * patterns, llm: the LLM_* endpoint with the rules as fallback), FACT_DUPLICATE_SIMILARITY and
 * FACT_CONTRADICTION_SIMILARITY. Explicit memories are reconciled whatever the choice.
 */
public record FactChoice(String kind, FactReconciler.Settings settings, LlmEndpoint llm) {
    private static final Set<String> KINDS = Set.of("none", "rules", "llm");

    public FactChoice {
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("FACT_EXTRACTOR must be one of none, rules, llm; got '" + kind + "'");
        }
        if (kind.equals("llm") && llm == null) {
            throw new IllegalArgumentException("FACT_EXTRACTOR=llm needs LLM_BASE_URL (and LLM_MODEL, LLM_API_KEY)");
        }
    }

    public static FactReconciler.Settings defaults() {
        return new FactReconciler.Settings(0.95, 0.9);
    }

    public static FactChoice of(String kind) {
        return new FactChoice(kind, defaults(), null);
    }

    public static FactChoice from(Env env) {
        var settings = new FactReconciler.Settings(env.decimal("FACT_DUPLICATE_SIMILARITY", 0.95),
                env.decimal("FACT_CONTRADICTION_SIMILARITY", 0.9));
        return new FactChoice(env.string("FACT_EXTRACTOR", "rules").toLowerCase(Locale.ROOT), settings, ConsolidationService.llm(env));
    }

    /** A new processor for one stream task. */
    public FactReconciler processor(EmbeddingProvider embeddings, ImportanceScorer importance, Clock clock) {
        FactExtractor rules = new RuleFactExtractor();
        FactExtractor chosen = switch (kind) {
            case "none" -> null;
            case "rules" -> rules;
            default -> new LlmFactExtractor(llm.client(), rules);
        };
        return new FactReconciler(chosen, chosen == null ? rules : chosen, embeddings, importance, settings, clock);
    }
}
