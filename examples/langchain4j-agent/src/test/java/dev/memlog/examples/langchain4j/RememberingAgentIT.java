package dev.memlog.examples.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.memlog.client.MemoryClient;
import dev.memlog.client.Owner;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.langchain4j.MemlogChatMemory;
import dev.memlog.langchain4j.MemlogContentRetriever;
import dev.memlog.stack.LocalStack;
import dev.memlog.testkit.OpenAiCompatibleStub;
import dev.langchain4j.rag.query.Query;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example agent on the real stack, its model a local server speaking OpenAI's protocol: within a session it reads
 * its own turns at once, and a later session answers from what an earlier one said, retrieved from memlog.
 */
class RememberingAgentIT {
    static final String KEY = "example-agent-key-0123456789";
    @TempDir
    static Path dir;
    static LocalStack stack;
    static OpenAiCompatibleStub model;
    static MemoryClient memory;

    @BeforeAll
    static void start() throws Exception {
        var keys = ApiKeys.of(Map.of(KEY, "travel"));
        stack = new LocalStack(LocalStack.Config.freePorts(dir, keys, Map.of("SUMMARIZER", "none")), line -> { });
        model = new OpenAiCompatibleStub(body -> body.contains("window seat") && body.contains("Which seat")
                ? "Book a window seat, as you prefer." : "Noted.");
        memory = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), KEY);
    }

    @AfterAll
    static void stop() {
        model.close();
        stack.close();
    }

    static OpenAiChatModel chatModel() {
        return OpenAiChatModel.builder().baseUrl(model.baseUrl()).apiKey("local").modelName("stub").build();
    }

    @Test
    void aLaterSessionAnswersFromWhatAnEarlierOneSaid() {
        var ann = Owner.user("ann");
        var first = RememberingAgent.assistant(chatModel(), memory, ann, "trip-1");
        assertThat(first.chat("I'm flying to Porto on the ninth of March, and I only fly window seats.")).isEqualTo("Noted.");
        first.chat("Also, I'm vegetarian.");
        // the second request of the session carried the first exchange: read back at once, before consolidation
        String second = model.requests().getLast();
        assertThat(second).contains("only fly window seats").contains("Noted.").contains("vegetarian");

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> !MemlogContentRetriever.search(memory, ann, 5).retrieve(Query.from("window seats")).isEmpty());
        var later = RememberingAgent.assistant(chatModel(), memory, ann, "trip-2");
        assertThat(later.chat("Which seat should I book for my trip?")).isEqualTo("Book a window seat, as you prefer.");
        String asked = model.requests().getLast();
        assertThat(asked).as("the new session's prompt holds none of its own history, only what memory retrieved")
                .contains("window seat").doesNotContain("vegetarian\\\"},{\\\"role\\\":\\\"assistant");
    }

    @Test
    void theChatMemoryIsTheSessionsWorkingMemoryOnceConsolidated() {
        var bob = Owner.user("bob");
        var memoryOfSession = new MemlogChatMemory(memory, bob, "s-bob");
        memoryOfSession.add(dev.langchain4j.data.message.UserMessage.from("My cat is called Miso."));
        memoryOfSession.add(dev.langchain4j.data.message.AiMessage.from("Miso is a lovely name."));
        assertThat(memoryOfSession.messages()).hasSize(2);
        var fresh = new MemlogChatMemory(memory, bob, "s-bob");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> fresh.messages().size() == 2);
        assertThat(fresh.messages().getFirst().toString()).contains("My cat is called Miso.");
        assertThat(memoryOfSession.messages()).isEqualTo(fresh.messages());
        var pack = MemlogContentRetriever.contextPack(memory, bob, 100).retrieve(Query.from("what is the cat called?"));
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
                !MemlogContentRetriever.contextPack(memory, bob, 100).retrieve(Query.from("what is the cat called?")).isEmpty());
        assertThat(pack.size()).isLessThanOrEqualTo(1);
        var best = MemlogContentRetriever.search(memory, bob, 3).retrieve(Query.from("what is the cat called?"));
        assertThat(best.getFirst().textSegment().text()).contains("Miso");
        assertThat(best.getFirst().textSegment().metadata().getString("record_id")).isNotBlank();
    }
}
