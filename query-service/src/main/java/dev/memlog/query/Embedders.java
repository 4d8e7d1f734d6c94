package dev.memlog.query;

import dev.memlog.common.embedding.EmbeddingProvider;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedding models this instance embeds queries with, by model id: the configured one, and another once the alias
 * points to a generation built with it (a re-derivation with a new model), loaded the first time it is asked for. A
 * query is embedded with the model of the generation it searches, so a swap to a generation of another model fails no
 * query and mixes no vectors.
 */
final class Embedders {
    private static final Logger log = LoggerFactory.getLogger(Embedders.class);
    private final EmbeddingProvider configured;
    private final Function<String, EmbeddingProvider> loader;
    private final Map<String, EmbeddingProvider> loaded = new ConcurrentHashMap<>();

    /** @param loader loads a model by its id, or throws IllegalArgumentException for one this instance cannot run */
    Embedders(EmbeddingProvider configured, Function<String, EmbeddingProvider> loader) {
        this.configured = configured;
        this.loader = loader;
        loaded.put(configured.modelId(), configured);
    }

    EmbeddingProvider configured() {
        return configured;
    }

    /**
     * The model with this id.
     *
     * @throws UnknownModel when this instance cannot load it: a generation of it cannot be searched here
     */
    EmbeddingProvider of(String modelId) {
        if (modelId == null || modelId.isEmpty()) {
            return configured; // an index made before generations recorded their model
        }
        return loaded.computeIfAbsent(modelId, id -> {
            try {
                EmbeddingProvider model = loader.apply(id);
                if (!model.modelId().equals(id)) {
                    throw new IllegalArgumentException("asked for " + id + ", loaded " + model.modelId());
                }
                log.info("embedding model {} loaded beside {}", id, configured.modelId());
                return model;
            } catch (RuntimeException e) {
                throw new UnknownModel(id, e);
            }
        });
    }

    /** A generation's vectors come from a model this instance cannot load, so no query vector could match them. */
    static final class UnknownModel extends IllegalStateException {
        UnknownModel(String modelId, Throwable cause) {
            super("the index holds vectors of embedding model " + modelId + ", which this instance cannot load: "
                    + cause.getMessage(), cause);
        }
    }
}
