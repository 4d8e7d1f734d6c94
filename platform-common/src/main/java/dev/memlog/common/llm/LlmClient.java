package dev.memlog.common.llm;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * A chat model and its name, asked one thing at a time: standing instructions, then the message. Every call is bounded
 * by the endpoint's timeout and goes through the endpoint's circuit breaker: once calls keep failing or running slow,
 * the next ones are refused at once for a while, so every caller falls back to its offline path without waiting.
 * Calls are timed and counted by outcome ({@code memlog_llm_call_seconds}, {@code memlog_llm_calls_total}).
 */
public final class LlmClient {
    private final ChatModel chat;
    private final String model;
    private final CircuitBreaker breaker;

    public LlmClient(ChatModel chat, String model, CircuitBreaker breaker) {
        this.chat = chat;
        this.model = model;
        this.breaker = breaker;
    }

    public String model() {
        return model;
    }

    /** Whether calls are being refused because the endpoint kept failing. */
    public boolean open() {
        return breaker.getState() == CircuitBreaker.State.OPEN || breaker.getState() == CircuitBreaker.State.FORCED_OPEN;
    }

    /**
     * The model's reply text, which may be null or blank; transport failures, timeouts and refusals while the breaker
     * is open are thrown, for the caller to fall back.
     */
    public String ask(String instructions, String message) {
        long started = System.nanoTime();
        String outcome = "failed";
        try {
            String reply = breaker.executeSupplier(() ->
                    chat.chat(SystemMessage.from(instructions), UserMessage.from(message)).aiMessage().text());
            outcome = "ok";
            return reply;
        } catch (CallNotPermittedException e) {
            outcome = "short_circuited";
            throw e;
        } finally {
            Timer.builder("memlog_llm_call").tag("model", model).tag("outcome", outcome).register(Metrics.globalRegistry)
                    .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            Counter.builder("memlog_llm_calls").tag("model", model).tag("outcome", outcome)
                    .description("calls to the LLM endpoint by outcome; every one not ok was answered by the offline fallback")
                    .register(Metrics.globalRegistry).increment();
        }
    }
}
