package dev.memlog.common.llm;

import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.memlog.common.config.Env;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, LiteLLM and the like), from LLM_BASE_URL, LLM_MODEL,
 * LLM_API_KEY and LLM_TIMEOUT_MS; the features that use a language model are off until it is set.
 *
 * @param timeout the bound on one call, retries included (there are none: a slow endpoint is a failing one)
 */
public record LlmEndpoint(String baseUrl, String model, String apiKey, Duration timeout) {
    /** One breaker per endpoint in a process: every caller of a failing endpoint learns it together. */
    private static final Map<LlmEndpoint, CircuitBreaker> BREAKERS = new ConcurrentHashMap<>();

    public LlmEndpoint {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("LLM_BASE_URL is required, such as https://api.openai.com/v1");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("LLM_MODEL is required, such as gpt-4o-mini");
        }
        if (timeout == null || !timeout.isPositive()) {
            throw new IllegalArgumentException("LLM_TIMEOUT_MS must be positive");
        }
    }

    /** The endpoint the environment names, or null when LLM_BASE_URL is not set; calls time out after 5 s. */
    public static LlmEndpoint from(Env env) {
        return from(env, Duration.ofSeconds(5), Duration.ofSeconds(60));
    }

    /**
     * @param defaultTimeout the call bound when LLM_TIMEOUT_MS is not set
     * @param maxTimeout the longest bound the caller can afford (consolidation calls run inside a Kafka transaction)
     */
    public static LlmEndpoint from(Env env, Duration defaultTimeout, Duration maxTimeout) {
        String url = env.optional("LLM_BASE_URL");
        if (url == null) {
            return null;
        }
        Duration timeout = env.duration("LLM_TIMEOUT_MS", defaultTimeout);
        if (timeout.compareTo(maxTimeout) > 0) {
            throw new IllegalArgumentException("LLM_TIMEOUT_MS may be at most " + maxTimeout.toMillis() + " here, was "
                    + timeout.toMillis());
        }
        return new LlmEndpoint(url, env.string("LLM_MODEL", "gpt-4o-mini"), env.string("LLM_API_KEY", "none"), timeout);
    }

    /** A deterministic client for this endpoint: temperature 0, no retry, behind the endpoint's circuit breaker. */
    public LlmClient client() {
        return new LlmClient(OpenAiChatModel.builder()
                .baseUrl(baseUrl)
                .apiKey(apiKey)
                .modelName(model)
                .temperature(0.0)
                .timeout(timeout)
                .maxRetries(0)
                .build(), model, BREAKERS.computeIfAbsent(this, LlmEndpoint::breaker));
    }

    /**
     * Opens when half of the last ten calls failed or took more than half the timeout, and stays open 30 s; then two
     * trial calls decide.
     */
    private static CircuitBreaker breaker(LlmEndpoint endpoint) {
        return CircuitBreaker.of("llm:" + endpoint.model() + "@" + endpoint.baseUrl(), CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(10)
                .minimumNumberOfCalls(4)
                .failureRateThreshold(50)
                .slowCallRateThreshold(50)
                .slowCallDurationThreshold(endpoint.timeout().dividedBy(2))
                .waitDurationInOpenState(Duration.ofSeconds(30))
                .permittedNumberOfCallsInHalfOpenState(2)
                .build());
    }

    /** Never prints the API key. */
    @Override
    public String toString() {
        return "LlmEndpoint[baseUrl=" + baseUrl + ", model=" + model + ", apiKey=<redacted>, timeout=" + timeout + "]";
    }
}
