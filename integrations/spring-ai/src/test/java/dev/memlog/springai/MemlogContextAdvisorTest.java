package dev.memlog.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.client.Owner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;

class MemlogContextAdvisorTest {
    static final String PACK = "{\"request_id\":\"req-1\",\"tokens\":12,\"context\":\"## Facts\\n- ann flies to Porto (8 May 2026)\","
            + "\"items\":[{\"record_id\":\"rec-1\"},{\"record_id\":\"rec-2\"}]}";
    final FakeMemlog memlog = new FakeMemlog();

    @AfterEach
    void stop() {
        memlog.close();
    }

    /** The rest of the chain: the model, answering; the request it was sent is kept. */
    static final class Model implements CallAdvisorChain {
        final List<ChatClientRequest> sent = new ArrayList<>();

        @Override
        public ChatClientResponse nextCall(ChatClientRequest request) {
            sent.add(request);
            var response = new ChatResponse(List.of(new Generation(new AssistantMessage("Porto."))));
            return ChatClientResponse.builder().chatResponse(response).context(request.context()).build();
        }

        @Override
        public List<CallAdvisor> getCallAdvisors() {
            return List.of();
        }

        @Override
        public CallAdvisorChain copy(CallAdvisor after) {
            return this;
        }
    }

    static ChatClientRequest ask(String question, SystemMessage system, String conversationId) {
        var messages = new ArrayList<org.springframework.ai.chat.messages.Message>();
        if (system != null) {
            messages.add(system);
        }
        messages.add(new UserMessage(question));
        return ChatClientRequest.builder().prompt(new Prompt(messages))
                .context(conversationId == null ? Map.of() : Map.of(ChatMemory.CONVERSATION_ID, conversationId)).build();
    }

    @Test
    void thePackForTheQuestionFollowsTheAppsSystemTextAndItsUseIsReported() {
        memlog.contextPack = PACK;
        var advisor = MemlogContextAdvisor.builder(memlog.client()).owner(new Owner("ann", "desk")).budgetTokens(300)
                .tiers("semantic", "episodic").reportUse(true).build();
        var model = new Model();
        advisor.adviseCall(ask("Where am I flying?", new SystemMessage("You are a travel desk."), "c1"), model);

        var request = memlog.contextRequests.getFirst();
        assertThat(request.path("query").asText()).isEqualTo("Where am I flying?");
        assertThat(request.path("user_id").asText()).isEqualTo("ann");
        assertThat(request.path("agent_id").asText()).isEqualTo("desk");
        assertThat(request.path("budget_tokens").asInt()).isEqualTo(300);
        assertThat(request.path("tiers").toString()).isEqualTo("[\"semantic\",\"episodic\"]");

        var sent = model.sent.getFirst();
        assertThat(sent.prompt().getSystemMessage().getText()).startsWith("You are a travel desk.\n\n"
                + MemlogContextAdvisor.DEFAULT_PREAMBLE).endsWith("- ann flies to Porto (8 May 2026)");
        assertThat(sent.prompt().getUserMessage().getText()).isEqualTo("Where am I flying?");
        assertThat(sent.context()).containsEntry(MemlogContextAdvisor.RECORD_IDS, List.of("rec-1", "rec-2"))
                .containsEntry(MemlogContextAdvisor.REQUEST_ID, "req-1");

        var report = memlog.feedback.getFirst();
        assertThat(report.path("signal").asText()).isEqualTo("used");
        assertThat(report.path("record_ids").toString()).isEqualTo("[\"rec-1\",\"rec-2\"]");
        assertThat(report.path("request_id").asText()).isEqualTo("req-1");
        assertThat(report.path("user_id").asText()).isEqualTo("ann");
    }

    @Test
    void withoutASystemMessageThePackBecomesOneAndTheOwnerFollowsTheConversation() {
        memlog.contextPack = PACK;
        var advisor = MemlogContextAdvisor.builder(memlog.client()).ownerOf(id -> Owner.user(id.split(":")[0]))
                .preamble("").build();
        var model = new Model();
        advisor.adviseCall(ask("Where am I flying?", null, "bob:s1"), model);
        assertThat(memlog.contextRequests.getFirst().path("user_id").asText()).isEqualTo("bob");
        assertThat(memlog.contextRequests.getFirst().path("budget_tokens").asInt()).isEqualTo(1000);
        assertThat(memlog.contextRequests.getFirst().has("tiers")).isFalse();
        assertThat(model.sent.getFirst().prompt().getInstructions().getFirst()).isInstanceOf(SystemMessage.class)
                .extracting(m -> m.getText()).isEqualTo("## Facts\n- ann flies to Porto (8 May 2026)");
        // reporting is off unless asked for
        assertThat(memlog.feedback).isEmpty();
    }

    @Test
    void anEmptyPackOrAnUnreachablePlatformLeavesThePromptAsItWas() {
        var model = new Model();
        var advisor = MemlogContextAdvisor.builder(memlog.client()).owner(Owner.user("ann")).reportUse(true).build();
        var asked = ask("Hello?", new SystemMessage("Be brief."), null);
        advisor.adviseCall(asked, model);
        assertThat(model.sent.getFirst().prompt()).isEqualTo(asked.prompt());
        assertThat(model.sent.getFirst().context()).doesNotContainKey(MemlogContextAdvisor.RECORD_IDS);

        memlog.close();
        advisor.adviseCall(asked, model);
        assertThat(model.sent.get(1).prompt()).isEqualTo(asked.prompt());
        assertThat(memlog.feedback).isEmpty();
    }
}
