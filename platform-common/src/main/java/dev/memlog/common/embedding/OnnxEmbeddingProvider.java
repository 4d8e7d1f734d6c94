package dev.memlog.common.embedding;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Sentence-embedding models that run in-process and offline: the ONNX weights ship inside Maven Central jars.
 * Texts past a model's window are truncated by the model (bge: 512 tokens, MiniLM: 128 tokens).
 */
public final class OnnxEmbeddingProvider implements EmbeddingProvider {

    /** The offline models memlog ships with. */
    public enum Model {
        // bge was trained to retrieve passages for short queries prefixed with this instruction
        BGE_SMALL_EN_V15_Q("bge-small-en-v1.5-q", 384, 512, "Represent this sentence for searching relevant passages: ",
                BgeSmallEnV15QuantizedEmbeddingModel::new),
        ALL_MINILM_L6_V2_Q("all-minilm-l6-v2-q", 384, 128, "", AllMiniLmL6V2QuantizedEmbeddingModel::new);

        final String id;
        final int dimension;
        final int windowTokens;
        final String queryInstruction;
        final Supplier<EmbeddingModel> factory;

        Model(String id, int dimension, int windowTokens, String queryInstruction, Supplier<EmbeddingModel> factory) {
            this.id = id;
            this.dimension = dimension;
            this.windowTokens = windowTokens;
            this.queryInstruction = queryInstruction;
            this.factory = factory;
        }

        public String id() {
            return id;
        }

        public static Model byId(String id) {
            for (Model model : values()) {
                if (model.id.equalsIgnoreCase(id) || model.name().equalsIgnoreCase(id.replace('-', '_').replace('.', '_'))) {
                    return model;
                }
            }
            throw new IllegalArgumentException("unknown embedding model '" + id + "'; known: "
                    + List.of(values()).stream().map(Model::id).toList());
        }
    }

    private final Model model;
    private final EmbeddingModel onnx;
    private final String queryPrefix;

    public OnnxEmbeddingProvider(Model model) {
        this(model, true);
    }

    /** @param queryInstruction whether queries get the model's retrieval instruction, if it has one */
    public OnnxEmbeddingProvider(Model model, boolean queryInstruction) {
        this.model = model;
        this.onnx = model.factory.get();
        this.queryPrefix = queryInstruction ? model.queryInstruction : "";
    }

    /** The model named by EMBEDDING_MODEL (bge-small-en-v1.5-q by default), queries with its retrieval instruction. */
    public static EmbeddingProvider fromSetting(String modelId) {
        return fromSetting(modelId, true);
    }

    /** @param queryInstruction EMBEDDING_QUERY_INSTRUCTION: whether queries get the model's retrieval instruction */
    public static EmbeddingProvider fromSetting(String modelId, boolean queryInstruction) {
        return new OnnxEmbeddingProvider(Model.byId(modelId == null ? Model.BGE_SMALL_EN_V15_Q.id : modelId.toLowerCase(Locale.ROOT)),
                queryInstruction);
    }

    @Override
    public String modelId() {
        return model.id;
    }

    @Override
    public int dimension() {
        return model.dimension;
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        var segments = texts.stream().map(TextSegment::from).toList();
        return onnx.embedAll(segments).content().stream().map(e -> e.vector()).toList();
    }

    @Override
    public float[] embedQuery(String query) {
        return onnx.embed(queryPrefix + query).content().vector();
    }
}
