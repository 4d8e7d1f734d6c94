package dev.memlog.query;

import java.util.List;

/**
 * Why a memory ranked where it did. The weighted components (bm25, vector, neighbour, question, speaker, recency,
 * importance, strength, rerank) add up to {@code score}; {@code vector} covers both the turn's own vector and the
 * turn in its context, and neighbour, question and speaker are the dialogue rules' moves ({@link DialogueShaper}).
 * {@code fused} is the engine's fused relevance before any of them. {@code bm25Raw}, {@code vectorRaw} and
 * {@code contextVectorRaw} are the engine's own scores of the sub-queries that found the memory, and
 * {@code matchedTerms} the analysed query terms its text matched.
 */
public record Explanation(double bm25, double vector, double neighbour, double question, double speaker, double fused,
                          double recency, double importance, double strength, double rerank, double score,
                          Double bm25Raw, Double vectorRaw, Double contextVectorRaw, List<String> matchedTerms) {

    /** A BM25-only hit: its score is the engine's. */
    static Explanation lexical(double score, List<String> matchedTerms) {
        return new Explanation(score, 0, 0, 0, 0, score, 0, 0, 0, 0, score, score, null, null, matchedTerms);
    }

    /** A vector-only hit: its score is the engine's. */
    static Explanation semantic(double score) {
        return new Explanation(0, score, 0, 0, 0, score, 0, 0, 0, 0, score, null, score, null, List.of());
    }

    /** The same explanation with a rerank contribution added to the score. */
    Explanation withRerank(double contribution) {
        return new Explanation(bm25, vector, neighbour, question, speaker, fused, recency, importance, strength,
                contribution, score + contribution, bm25Raw, vectorRaw, contextVectorRaw, matchedTerms);
    }
}
