package dev.memlog.query;

import dev.memlog.common.config.Env;
import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.llm.LlmEndpoint;
import java.util.Locale;
import java.util.Set;

/**
 * Which reranker runs, from RERANKER (none, sentence: the local embedding model per sentence, llm: the LLM_*
 * endpoint) and how much of the final score it decides, from RERANK_WEIGHT.
 */
public record RerankerChoice(String kind, double weight, LlmEndpoint llm) {
    private static final Set<String> KINDS = Set.of("none", "sentence", "llm");

    public RerankerChoice {
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("RERANKER must be one of none, sentence, llm; got '" + kind + "'");
        }
        if (weight < 0 || weight > 1) {
            throw new IllegalArgumentException("RERANK_WEIGHT must be between 0 and 1; got " + weight);
        }
        if (kind.equals("llm") && llm == null) {
            throw new IllegalArgumentException("RERANKER=llm needs LLM_BASE_URL (and LLM_MODEL, LLM_API_KEY)");
        }
    }

    public static RerankerChoice none() {
        return new RerankerChoice("none", 0, null);
    }

    public static RerankerChoice from(Env env) {
        return new RerankerChoice(env.string("RERANKER", "none").toLowerCase(Locale.ROOT), env.decimal("RERANK_WEIGHT", 0.3),
                LlmEndpoint.from(env));
    }

    /** The reranker, or null for none. */
    public Reranker create(EmbeddingProvider embeddings) {
        return switch (kind) {
            case "sentence" -> new SentenceReranker(embeddings);
            case "llm" -> new LlmReranker(llm.client());
            default -> null;
        };
    }
}
