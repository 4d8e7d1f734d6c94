package dev.memlog.query;

import dev.memlog.common.embedding.EmbeddingProvider;
import dev.memlog.common.embedding.Vectors;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A candidate scores as its best sentence against the query, judged by the local embedding model, so one sentence
 * that answers is not diluted by the chatter around it; works offline.
 */
public final class SentenceReranker implements Reranker {
    /** Long memories are judged on their first sentences: enough for a turn, bounded for a pasted document. */
    static final int MAX_SENTENCES = 8;

    private final EmbeddingProvider embeddings;

    public SentenceReranker(EmbeddingProvider embeddings) {
        this.embeddings = embeddings;
    }

    @Override
    public String name() {
        return "sentence:" + embeddings.modelId();
    }

    @Override
    public double[] scores(String query, List<String> candidateTexts) {
        float[] q = embeddings.embedQuery(query);
        List<String> sentences = new ArrayList<>();
        int[] owner = new int[candidateTexts.size() * MAX_SENTENCES];
        for (int i = 0; i < candidateTexts.size(); i++) {
            for (String sentence : sentences(candidateTexts.get(i))) {
                owner[sentences.size()] = i;
                sentences.add(sentence);
            }
        }
        double[] best = new double[candidateTexts.size()];
        List<float[]> vectors = embeddings.embedDocuments(sentences);
        for (int s = 0; s < vectors.size(); s++) {
            // below zero means unrelated, which ranks like zero
            best[owner[s]] = Math.max(best[owner[s]], Vectors.cosine(q, vectors.get(s)));
        }
        return best;
    }

    static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        BreakIterator it = BreakIterator.getSentenceInstance(Locale.ENGLISH);
        it.setText(text);
        for (int start = it.first(), end = it.next(); end != BreakIterator.DONE && out.size() < MAX_SENTENCES;
             start = end, end = it.next()) {
            String sentence = text.substring(start, end).strip();
            if (!sentence.isEmpty()) {
                out.add(sentence);
            }
        }
        return out;
    }
}
