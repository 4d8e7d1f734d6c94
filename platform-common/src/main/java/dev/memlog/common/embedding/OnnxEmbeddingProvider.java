package dev.memlog.common.embedding;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import dev.memlog.common.concurrent.Futures;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Sentence-embedding models that run in-process and offline: the ONNX weights ship inside Maven Central jars.
 * Texts past a model's window are truncated by the model (bge: 512 tokens, MiniLM: 128 tokens).
 *
 * <p>Each inference runs on one thread, the caller's (one ONNX intra-op thread, texts one after another): the
 * parallelism is the callers' (a stream thread per core, concurrent queries). ONNX's default, as many intra-op threads
 * as cores for every call, with LangChain4j spreading a call's texts over a pool of its own, oversubscribes the cores
 * as soon as two callers embed at once: measured on two cores with bge, two callers embedded 188-214 turns/s this way
 * against 115-117 with the defaults, and a lone query took as long (about 5 ms). Inference is a native call, which pins
 * a virtual thread to its carrier: a virtual thread's call is handed to a platform thread and waited for.
 */
public final class OnnxEmbeddingProvider implements EmbeddingProvider {

    /** The offline models memlog ships with. */
    public enum Model {
        // bge was trained to retrieve passages for short queries prefixed with this instruction
        BGE_SMALL_EN_V15_Q("bge-small-en-v1.5-q", 384, 512, "Represent this sentence for searching relevant passages: ",
                BgeSmallEnV15QuantizedEmbeddingModel.class, PoolingMode.CLS),
        ALL_MINILM_L6_V2_Q("all-minilm-l6-v2-q", 384, 128, "", AllMiniLmL6V2QuantizedEmbeddingModel.class, PoolingMode.MEAN);

        final String id;
        final int dimension;
        final int windowTokens;
        final String queryInstruction;
        /** The class whose jar holds the weights and the tokenizer, as {@code /<id>.onnx} and {@code /<id>-tokenizer.json}. */
        final Class<?> jar;
        final PoolingMode pooling;

        Model(String id, int dimension, int windowTokens, String queryInstruction, Class<?> jar, PoolingMode pooling) {
            this.id = id;
            this.dimension = dimension;
            this.windowTokens = windowTokens;
            this.queryInstruction = queryInstruction;
            this.jar = jar;
            this.pooling = pooling;
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

        /** The model on a session of one intra-op thread, its calls' texts embedded one after another on the caller's thread. */
        EmbeddingModel load() {
            try (InputStream weights = jar.getResourceAsStream("/" + id + ".onnx");
                 InputStream tokenizer = jar.getResourceAsStream("/" + id + "-tokenizer.json")) {
                if (weights == null || tokenizer == null) {
                    throw new IllegalStateException("the jar of " + jar.getName() + " holds no " + id + " weights or tokenizer");
                }
                OrtEnvironment env = OrtEnvironment.getEnvironment();
                try (var options = new OrtSession.SessionOptions()) {
                    options.setIntraOpNumThreads(1);
                    options.setInterOpNumThreads(1);
                    var encoder = new OnnxBertBiEncoder(env, env.createSession(weights.readAllBytes(), options), tokenizer, pooling);
                    return new OneThreadModel(encoder, dimension);
                }
            } catch (IOException | OrtException e) {
                throw new IllegalStateException("cannot load embedding model " + id + ": " + e.getMessage(), e);
            }
        }
    }

    /** LangChain4j's in-process model with its texts embedded in the calling thread. */
    private static final class OneThreadModel extends AbstractInProcessEmbeddingModel {
        private final OnnxBertBiEncoder encoder;
        private final int dimension;

        OneThreadModel(OnnxBertBiEncoder encoder, int dimension) {
            super(Runnable::run);
            this.encoder = encoder;
            this.dimension = dimension;
        }

        @Override
        protected OnnxBertBiEncoder model() {
            return encoder;
        }

        @Override
        protected Integer knownDimension() {
            return dimension;
        }
    }

    /** Platform threads that run inferences for virtual threads, one per core: no carrier is pinned for one. */
    private static final ExecutorService INFERENCE = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(),
            Thread.ofPlatform().daemon().name("embedding-", 0).factory());

    private final Model model;
    private final EmbeddingModel onnx;
    private final String queryPrefix;

    public OnnxEmbeddingProvider(Model model) {
        this(model, true);
    }

    /** @param queryInstruction whether queries get the model's retrieval instruction, if it has one */
    public OnnxEmbeddingProvider(Model model, boolean queryInstruction) {
        this.model = model;
        this.onnx = model.load();
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
        return offVirtualThread(() -> onnx.embedAll(segments).content().stream().map(e -> e.vector()).toList());
    }

    @Override
    public float[] embedQuery(String query) {
        return offVirtualThread(() -> onnx.embed(queryPrefix + query).content().vector());
    }

    private static <T> T offVirtualThread(Supplier<T> inference) {
        if (!Thread.currentThread().isVirtual()) {
            return inference.get();
        }
        return Futures.join(CompletableFuture.supplyAsync(inference, INFERENCE));
    }
}
