package dev.memlog.common.embedding;

import java.util.List;

/**
 * Turns text into vectors. Documents and queries are separate calls because retrieval models may treat them
 * differently; the model id is stored with every vector so a model change is visible and replayable.
 */
public interface EmbeddingProvider {

    /** Identifies model and version; vectors from different ids are not comparable. */
    String modelId();

    int dimension();

    List<float[]> embedDocuments(List<String> texts);

    float[] embedQuery(String query);
}
