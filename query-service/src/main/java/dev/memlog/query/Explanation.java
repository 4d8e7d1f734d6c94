package dev.memlog.query;

import java.util.List;

/**
 * Why a memory ranked where it did. The weighted components (bm25, vector, recency, importance, strength,
 * rerank) add up to {@code score}; {@code vector} covers both the turn's own vector and the turn in its context.
 * {@code bm25Raw}, {@code vectorRaw} and {@code contextVectorRaw} are the engine's own scores of the sub-queries
 * that found the memory, and {@code matchedTerms} the analysed query terms its text matched.
 */
public record Explanation(double bm25, double vector, double fused, double recency, double importance, double strength,
                          double rerank, double score, Double bm25Raw, Double vectorRaw, Double contextVectorRaw,
                          List<String> matchedTerms) {
}
