package dev.memlog.query;

import java.util.List;

/**
 * Why a memory ranked where it did. The weighted components (bm25, vector, recency, importance, strength,
 * rerank) add up to {@code score}; {@code bm25Raw} and {@code vectorRaw} are the engine's own scores, and
 * {@code matchedTerms} the analysed query terms the text matched.
 */
public record Explanation(double bm25, double vector, double fused, double recency, double importance, double strength,
                          double rerank, double score, Double bm25Raw, Double vectorRaw, List<String> matchedTerms) {

    public double sum() {
        return bm25 + vector + recency + importance + strength + rerank;
    }
}
