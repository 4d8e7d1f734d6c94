package dev.memlog.common.llm;

import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.memlog.common.config.Env;
import java.time.Duration;

/**
 * An OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, LiteLLM and the like), from LLM_BASE_URL, LLM_MODEL,
 * LLM_API_KEY and LLM_TIMEOUT_MS; the features that use a language model are off until it is set.
 */
public record LlmEndpoint(String baseUrl, String model, String apiKey, Duration timeout) {

    public LlmEndpoint {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("LLM_BASE_URL is required, such as https://api.openai.com/v1");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("LLM_MODEL is required, such as gpt-4o-mini");
        }
    }

    /** The endpoint the environment names, or null when LLM_BASE_URL is not set. */
    public static LlmEndpoint from(Env env) {
        String url = env.optional("LLM_BASE_URL");
        if (url == null) {
            return null;
        }
        return new LlmEndpoint(url, env.string("LLM_MODEL", "gpt-4o-mini"),
                env.string("LLM_API_KEY", "none"), env.duration("LLM_TIMEOUT_MS", Duration.ofSeconds(20)));
    }

    /** A deterministic client for this endpoint: temperature 0, one retry. */
    public LlmClient client() {
        return new LlmClient(OpenAiChatModel.builder()
                .baseUrl(baseUrl)
                .apiKey(apiKey)
                .modelName(model)
                .temperature(0.0)
                .timeout(timeout)
                .maxRetries(1)
                .build(), model);
    }
}
