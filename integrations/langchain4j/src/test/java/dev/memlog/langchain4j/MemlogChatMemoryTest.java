package dev.memlog.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.memlog.client.MemoryClient;
import dev.memlog.client.Owner;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemlogChatMemoryTest {
    @Test
    void eachMessageTypeIsLoggedAsTheRoleAndTextItStandsFor() {
        assertThat(MemlogChatMemory.role(UserMessage.from("hi"))).isEqualTo("user");
        assertThat(MemlogChatMemory.role(AiMessage.from("hello"))).isEqualTo("assistant");
        var call = ToolExecutionRequest.builder().id("1").name("weather").arguments("{\"city\":\"Porto\"}").build();
        var withCall = AiMessage.from(List.of(call));
        assertThat(MemlogChatMemory.text(withCall)).isEqualTo("[tool call weather {\"city\":\"Porto\"}]");
        var result = ToolExecutionResultMessage.from(call, "sunny, 21C");
        assertThat(MemlogChatMemory.role(result)).isEqualTo("tool");
        assertThat(MemlogChatMemory.text(result)).isEqualTo("[weather] sunny, 21C");
        assertThat(MemlogChatMemory.message("assistant", "ok")).isEqualTo(AiMessage.from("ok"));
        assertThat(MemlogChatMemory.message("user", "ok")).isEqualTo(UserMessage.from("ok"));
        assertThat(MemlogChatMemory.message("system", "be brief")).isEqualTo(SystemMessage.from("be brief"));
        // a speaker name given as metadata reads back as what a person said
        assertThat(MemlogChatMemory.message("Caroline", "hi")).isEqualTo(UserMessage.from("hi"));
    }

    @Test
    void whatWasSaidCannotBeRewrittenOrCleared() {
        var memory = new MemlogChatMemory(new MemoryClient("http://127.0.0.1:1", "http://127.0.0.1:1", "k"), Owner.user("ann"), "s1");
        assertThatThrownBy(() -> memory.set(List.of(UserMessage.from("x")))).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("append-only");
        assertThatThrownBy(memory::clear).isInstanceOf(UnsupportedOperationException.class);
        assertThat(memory.id()).isEqualTo("s1");
        assertThatThrownBy(() -> new Owner(null, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
