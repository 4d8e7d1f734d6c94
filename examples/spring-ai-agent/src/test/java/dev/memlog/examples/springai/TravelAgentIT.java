package dev.memlog.examples.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.memlog.client.MemoryClient;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.springai.MemlogContextAdvisor;
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
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** The Boot app, configured by properties alone, against the platform running locally and an OpenAI-protocol stub. */
class TravelAgentIT {
    static final String KEY = "travel-agent-key-0123456789abc";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static LocalStack stack;
    static OpenAiCompatibleStub model;
    static ConfigurableApplicationContext app;

    @BeforeAll
    static void start() throws Exception {
        var keys = ApiKeys.load(KEY + "=acme;agent=travel-desk;users=*", null);
        stack = new LocalStack(LocalStack.Config.freePorts(dir, keys, Map.of("SUMMARIZER", "none")), line -> { });
        model = new OpenAiCompatibleStub(body -> body.contains("fourth of June") && !body.contains("memory holds")
                ? "Noted: Lisbon, the fourth of June." : "You are flying to Lisbon.");
        app = new SpringApplicationBuilder(TravelAgentApplication.class).run(
                "--memlog.ingest-url=" + stack.ingestUrl(), "--memlog.query-url=" + stack.queryUrl(),
                "--memlog.api-key=" + KEY, "--memlog.user-id=ann", "--memlog.budget-tokens=300",
                "--spring.ai.openai.base-url=" + model.baseUrl(), "--spring.ai.openai.api-key=stub",
                "--spring.ai.openai.max-retries=0", "--agent.console=false");
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (model != null) {
            model.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    /** The messages of a chat-completions request, each as "role: text". */
    static List<String> messages(String body) throws Exception {
        List<String> out = new ArrayList<>();
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
        return out;
    }

    @Test
    void whatOneConversationSaidIsInTheNextConversationsPrompt() throws Exception {
        var agent = app.getBean(TravelAgent.class);
        String system = app.getEnvironment().getProperty("agent.system");

        assertThat(agent.ask("planning", "I am flying to Lisbon on the fourth of June.")).isEqualTo("Noted: Lisbon, the fourth of June.");
        assertThat(messages(model.requests().getFirst())).containsExactly("system: " + system,
                "user: I am flying to Lisbon on the fourth of June.");

        // once the platform has consolidated and indexed it, the traveller's memory answers for it
        var client = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), KEY);
        var probe = JSON.createObjectNode().put("query", "Where am I flying?").put("user_id", "ann").put("budget_tokens", 300);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> client.context(probe).path("context").asText().contains("Lisbon"));

        assertThat(agent.ask("check-in", "Where am I flying?")).isEqualTo("You are flying to Lisbon.");
        List<String> sent = messages(model.requests().get(1));
        assertThat(sent).hasSize(2);
        assertThat(sent.getFirst()).startsWith("system: " + system + "\n\n" + MemlogContextAdvisor.DEFAULT_PREAMBLE)
                .contains("I am flying to Lisbon on the fourth of June.");
        assertThat(sent.get(1)).isEqualTo("user: Where am I flying?");
        // the two conversations are two sessions of ann's, as the desk agent's key wrote them
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertThat(client
                .workingMemory(MemoryClient.query("user_id", "ann", "session_id", "planning")).path("turns")
                .findValuesAsText("text")).containsExactly("I am flying to Lisbon on the fourth of June.",
                        "Noted: Lisbon, the fourth of June."));
    }
}
