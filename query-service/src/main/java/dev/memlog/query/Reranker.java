package dev.memlog.query;

import java.util.List;

/** Re-scores the best candidates against the query; scores are in [0, 1], one per candidate, in order. */
public interface Reranker {

    String name();

    double[] scores(String query, List<String> candidateTexts);
}
