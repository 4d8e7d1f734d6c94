package dev.memlog.examples.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.SystemMessage;
import dev.memlog.client.MemoryClient;
import dev.memlog.client.Owner;
import dev.memlog.langchain4j.MemlogChatMemory;
import dev.memlog.langchain4j.MemlogContentRetriever;

/**
 * An assistant that remembers across sessions: each session's turns go to memlog through its chat memory, and every
 * question brings a context pack of what the user said before, in any session.
 *
 * <pre>
 * MEMLOG_INGEST_URL=http://127.0.0.1:8080 MEMLOG_QUERY_URL=http://127.0.0.1:8083 MEMLOG_API_KEY=... \
 * OPENAI_BASE_URL=https://api.openai.com/v1 OPENAI_API_KEY=... \
 * mvn -q -pl examples/langchain4j-agent exec:java -Dexec.mainClass=dev.memlog.examples.langchain4j.RememberingAgent
 * </pre>
 */
public final class RememberingAgent {
    /** What the agent is asked, one session at a time. */
    public interface Assistant {
        @SystemMessage("You are a travel assistant. Use what you remember about the user to answer.")
        String chat(String message);
    }

    private RememberingAgent() {
    }

    /** The assistant of one user in one session, remembering through memlog. */
    public static Assistant assistant(ChatModel model, MemoryClient memory, Owner user, String sessionId) {
        return AiServices.builder(Assistant.class).chatModel(model)
                .chatMemory(new MemlogChatMemory(memory, user, sessionId))
                .contentRetriever(MemlogContentRetriever.contextPack(memory, user, 400))
                .build();
    }

    public static void main(String[] args) throws Exception {
        var memory = new MemoryClient(env("MEMLOG_INGEST_URL", "http://127.0.0.1:8080"),
                env("MEMLOG_QUERY_URL", "http://127.0.0.1:8083"), env("MEMLOG_API_KEY", null));
        ChatModel model = OpenAiChatModel.builder().baseUrl(env("OPENAI_BASE_URL", "https://api.openai.com/v1"))
                .apiKey(env("OPENAI_API_KEY", null)).modelName(env("OPENAI_MODEL", "gpt-4o-mini")).build();
        var user = Owner.user(env("MEMLOG_USER_ID", "example-user"));
        String first = "session-" + System.currentTimeMillis();
        System.out.println("> I'm flying to Porto on the ninth of March, and I only fly window seats.");
        System.out.println(assistant(model, memory, user, first)
                .chat("I'm flying to Porto on the ninth of March, and I only fly window seats."));
        System.out.println("(a new session: the assistant remembers through memlog; writes take a few seconds)");
        Thread.sleep(5000);
        System.out.println("> Which seat should I book for my trip?");
        System.out.println(assistant(model, memory, user, first + "-later").chat("Which seat should I book for my trip?"));
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        if (value == null && fallback == null) {
            throw new IllegalStateException(name + " is not set");
        }
        return value == null ? fallback : value;
    }
}
