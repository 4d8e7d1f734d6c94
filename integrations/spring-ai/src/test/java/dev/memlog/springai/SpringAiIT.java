package dev.memlog.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.client.MemoryClient;
import dev.memlog.client.Owner;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.stack.LocalStack;
import dev.memlog.testkit.OpenAiCompatibleStub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

/**
 * Spring AI's own ChatClient, with its MessageChatMemoryAdvisor over a MessageWindowChatMemory on memlog and memlog's
 * context advisor, against the whole platform running locally and a model that speaks the OpenAI protocol: what the
 * model is sent is what memlog gave it.
 */
class SpringAiIT {
    static final String KEY = "travel-desk-key-0123456789abcd";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static LocalStack stack;
    static OpenAiCompatibleStub model;
    static MemoryClient client;

    @BeforeAll
    static void start() throws Exception {
        var keys = ApiKeys.load(KEY + "=acme", null);
        stack = new LocalStack(LocalStack.Config.freePorts(dir, keys, Map.of("SUMMARIZER", "none")), line -> { });
        model = new OpenAiCompatibleStub(body -> {
            String question = lastUserText(body);
            return question.contains("flying to Porto") ? "Noted: Porto, on the ninth of March."
                    : question.contains("pack") ? "A light jacket: Porto is mild in March." : "Porto, on the ninth of March.";
        });
        client = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), KEY);
    }

    @AfterAll
    static void stop() {
        if (model != null) {
            model.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    /** A chat client as an app would build one: memory of the conversation, and memlog's context for each question. */
    static ChatClient chat(MemlogChatMemoryRepository repository, Owner owner) {
        var chatModel = OpenAiChatModel.builder().options(OpenAiChatOptions.builder().baseUrl(model.baseUrl()).apiKey("stub")
                .model("stub-model").maxRetries(0).build()).build();
        var memory = MessageWindowChatMemory.builder().chatMemoryRepository(repository).maxMessages(20).build();
        return ChatClient.builder(chatModel).defaultSystem("You are a travel desk.")
                .defaultAdvisors(MessageChatMemoryAdvisor.builder(memory).build(),
                        MemlogContextAdvisor.builder(client).owner(owner).budgetTokens(400).reportUse(true).build())
                .build();
    }

    static String ask(ChatClient chat, String conversationId, String question) {
        return chat.prompt().user(question).advisors(a -> a.param(ChatMemory.CONVERSATION_ID, conversationId)).call().content();
    }

    /** The messages of a chat-completions request, each as "role: text". */
    static List<String> messages(String body) {
        List<String> out = new ArrayList<>();
        try {
            for (JsonNode m : JSON.readTree(body).path("messages")) {
                JsonNode content = m.path("content");
                StringBuilder text = new StringBuilder();
                if (content.isArray()) {
                    content.forEach(part -> text.append(part.path("text").asText()));
                } else {
                    text.append(content.asText());
                }
                out.add(m.path("role").asText() + ": " + text);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    static String lastUserText(String body) {
        List<String> user = messages(body).stream().filter(m -> m.startsWith("user: ")).toList();
        return user.isEmpty() ? "" : user.getLast();
    }

    /**
     * The session's turns as "speaker: text" once everything appended before a marker turn is consolidated: a session
     * is consolidated in the order it was appended, so nothing appended earlier can arrive later.
     */
    static List<String> loggedTurns(Owner owner, String sessionId) throws Exception {
        String marker = "marker " + System.nanoTime();
        ObjectNode turn = JSON.createObjectNode();
        owner.fields().forEach(turn::put);
        client.appendTurn(turn.put("session_id", sessionId).put("role", "user").put("content", marker));
        var query = new java.util.LinkedHashMap<>(owner.fields());
        query.put("session_id", sessionId);
        List<String> turns = new ArrayList<>();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).until(() -> {
            turns.clear();
            client.workingMemory(query).path("turns").forEach(t -> turns.add(t.path("speaker").asText() + ": "
                    + t.path("text").asText()));
            return !turns.isEmpty() && turns.getLast().endsWith(marker);
        });
        return turns.subList(0, turns.size() - 1);
    }

    @Test
    void theSecondQuestionOfAConversationCarriesTheFirstExchangeAndALaterConversationIsToldOfIt() throws Exception {
        var ann = Owner.user("ann");
        var repository = new MemlogChatMemoryRepository(client, ann);
        var chat = chat(repository, ann);
        int before = model.requests().size();

        assertThat(ask(chat, "trip-1", "I am flying to Porto on the ninth of March.")).isEqualTo("Noted: Porto, on the ninth of March.");
        // at once, before the platform has consolidated anything: the app reads its own writes
        assertThat(ask(chat, "trip-1", "What should I pack?")).startsWith("A light jacket");
        List<String> second = messages(model.requests().get(before + 1));
        assertThat(second.getFirst()).startsWith("system: You are a travel desk.");
        assertThat(second.subList(1, second.size())).containsExactly("user: I am flying to Porto on the ninth of March.",
                "assistant: Noted: Porto, on the ninth of March.", "user: What should I pack?");

        // the log holds the conversation once, in order, and none of the system text
        assertThat(loggedTurns(ann, "trip-1")).containsExactly("user: I am flying to Porto on the ninth of March.",
                "assistant: Noted: Porto, on the ninth of March.", "user: What should I pack?",
                "assistant: A light jacket: Porto is mild in March.");
        assertThat(repository.findConversationIds()).containsExactly("trip-1");

        // a new conversation has none of trip-1's messages, but memlog's context for its question has what was said
        ObjectNode probe = JSON.createObjectNode().put("query", "Which city am I flying to?").put("user_id", "ann")
                .put("budget_tokens", 400);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> client.context(probe).path("context").asText().contains("Porto"));
        int asked = model.requests().size();
        ask(chat, "trip-2", "Which city am I flying to?");
        List<String> later = messages(model.requests().get(asked));
        assertThat(later).hasSize(2);
        assertThat(later.getFirst()).startsWith("system: You are a travel desk.\n\n" + MemlogContextAdvisor.DEFAULT_PREAMBLE)
                .contains("I am flying to Porto on the ninth of March.");
        assertThat(later.get(1)).isEqualTo("user: Which city am I flying to?");
    }

    @Test
    void theSameWindowSavedTwiceIsInTheLogOnce() throws Exception {
        var bob = new Owner("bob", null);
        var repository = new MemlogChatMemoryRepository(client, bob);
        List<Message> window = List.of(new UserMessage("My locker code is 5521."), new AssistantMessage("Kept: 5521."));
        repository.saveAll("gym", window);
        repository.saveAll("gym", window);
        // a window rebuilt from copies, and one that goes on: only the new message is appended
        repository.saveAll("gym", List.of(new UserMessage("My locker code is 5521."), new AssistantMessage("Kept: 5521."),
                new UserMessage("Thanks!")));
        assertThat(repository.findByConversationId("gym")).extracting(Message::getText)
                .containsExactly("My locker code is 5521.", "Kept: 5521.", "Thanks!");
        assertThat(loggedTurns(bob, "gym")).containsExactly("user: My locker code is 5521.", "assistant: Kept: 5521.",
                "user: Thanks!");
        // and the memories listed for the session hold each turn once
        List<String> listed = new ArrayList<>();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            listed.clear();
            client.listMemories(MemoryClient.query("user_id", "bob", "session_id", "gym", "tier", "episodic"))
                    .path("memories").forEach(m -> listed.add(m.path("text").asText()));
            return listed.stream().anyMatch(t -> t.startsWith("marker"));
        });
        assertThat(listed).filteredOn(t -> !t.startsWith("marker"))
                .containsExactlyInAnyOrder("My locker code is 5521.", "Kept: 5521.", "Thanks!");
    }
}
