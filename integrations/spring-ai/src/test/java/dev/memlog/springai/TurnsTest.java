package dev.memlog.springai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;

class TurnsTest {
    static UserMessage user(String text) {
        return new UserMessage(text);
    }

    static AssistantMessage assistant(String text) {
        return new AssistantMessage(text);
    }

    static List<Message> plus(List<Message> a, Message... more) {
        List<Message> all = new ArrayList<>(a);
        all.addAll(List.of(more));
        return all;
    }

    @Test
    void eachMessageTypeIsLoggedAsTheRoleAndTextItStandsFor() {
        assertThat(Turns.role(user("hi"))).isEqualTo("user");
        assertThat(Turns.role(assistant("hello"))).isEqualTo("assistant");
        assertThat(Turns.role(new SystemMessage("be brief"))).isEqualTo("system");
        var call = new AssistantMessage.ToolCall("1", "function", "weather", "{\"city\":\"Porto\"}");
        var withCall = AssistantMessage.builder().toolCalls(List.of(call)).build();
        assertThat(Turns.text(withCall)).isEqualTo("[tool call weather {\"city\":\"Porto\"}]");
        var saidAndCalled = AssistantMessage.builder().content("Let me look.").toolCalls(List.of(call)).build();
        assertThat(Turns.text(saidAndCalled)).isEqualTo("Let me look. [tool call weather {\"city\":\"Porto\"}]");
        var result = ToolResponseMessage.builder()
                .responses(List.of(new ToolResponseMessage.ToolResponse("1", "weather", "sunny, 21C"))).build();
        assertThat(Turns.role(result)).isEqualTo("tool");
        assertThat(Turns.text(result)).isEqualTo("[weather] sunny, 21C");
        assertThat(Turns.speaker(UserMessage.builder().text("hi").metadata(Map.of("speaker", "Caroline")).build()))
                .isEqualTo("Caroline");
        assertThat(Turns.speaker(user("hi"))).isNull();
    }

    @Test
    void aTurnReadsBackAsTheMessageItsSpeakerStandsFor() throws Exception {
        var json = new ObjectMapper();
        Message said = Turns.message(json.readTree(
                "{\"event_id\":\"e1\",\"speaker\":\"user\",\"text\":\"I fly to Porto\",\"occurred_at\":\"2026-01-02T10:00:00Z\"}"));
        assertThat(said).isInstanceOf(UserMessage.class);
        assertThat(said.getText()).isEqualTo("I fly to Porto");
        assertThat(said.getMetadata()).containsEntry("event_id", "e1").containsEntry("occurred_at", "2026-01-02T10:00:00Z");
        Message answered = Turns.message(json.readTree("{\"event_id\":\"e2\",\"speaker\":\"assistant\",\"text\":\"Noted\"}"));
        assertThat(answered).isInstanceOf(AssistantMessage.class);
        assertThat(answered.getText()).isEqualTo("Noted");
        // a tool's result has no call left to answer: the model reads it as the assistant's own words
        assertThat(Turns.message(json.readTree("{\"event_id\":\"e3\",\"speaker\":\"tool\",\"text\":\"[weather] sunny\"}")))
                .isInstanceOf(AssistantMessage.class);
        assertThat(Turns.message(json.readTree("{\"event_id\":\"e4\",\"speaker\":\"system\",\"text\":\"x\"}")))
                .isInstanceOf(SystemMessage.class);
        // a speaker's name is a person speaking, and stays a name
        Message named = Turns.message(json.readTree("{\"event_id\":\"e5\",\"speaker\":\"Caroline\",\"text\":\"hi\"}"));
        assertThat(named).isInstanceOf(UserMessage.class);
        assertThat(Turns.speaker(named)).isEqualTo("Caroline");
    }

    @Test
    void aFirstWindowIsAllNewButItsSystemMessage() {
        var u1 = user("Where is Porto?");
        assertThat(Turns.unsaved(List.of(), List.of(new SystemMessage("be brief"), u1))).containsExactly(u1);
    }

    @Test
    void aWindowOfWhatWasReadFollowedByNewMessagesGivesTheNewOnesOnly() {
        List<Message> known = List.of(user("hi"), assistant("hello"));
        var u2 = user("how are you?");
        assertThat(Turns.unsaved(known, plus(known, u2))).containsExactly(u2);
        // the same window saved twice: nothing new the second time (u2 is known once it is appended)
        assertThat(Turns.unsaved(plus(known, u2), plus(known, u2))).isEmpty();
    }

    @Test
    void aMessageThatRepeatsAnEarlierOneWordForWordIsStillNew() {
        var yes = user("yes");
        var ok = assistant("ok");
        List<Message> known = List.of(yes, ok);
        var yesAgain = user("yes");
        assertThat(Turns.unsaved(known, plus(known, yesAgain))).containsExactly(yesAgain);
        // the reply may repeat the one before it too
        List<Message> four = List.of(yes, ok, yesAgain);
        var okAgain = assistant("ok");
        assertThat(Turns.unsaved(four, plus(four, okAgain))).containsExactly(okAgain);
    }

    @Test
    void aWindowThatDroppedItsOldestMessagesStillGivesTheNewOnesOnly() {
        var u1 = user("one");
        var a1 = assistant("two");
        var u2 = user("three");
        var a2 = assistant("four");
        List<Message> known = List.of(u1, a1, u2, a2);
        var u3 = user("five");
        assertThat(Turns.unsaved(known, List.of(u2, a2, u3))).containsExactly(u3);
        // a window that kept nothing of what was read: all of it is new
        var u4 = user("six");
        assertThat(Turns.unsaved(known, List.of(u4))).containsExactly(u4);
    }

    @Test
    void aWindowRebuiltFromCopiesIsAlignedByContent() {
        List<Message> known = List.of(user("hi"), assistant("hello"), user("bye"));
        assertThat(Turns.unsaved(known, List.of(user("hi"), assistant("hello"), user("bye")))).isEmpty();
        var next = assistant("see you");
        assertThat(Turns.unsaved(known, List.of(assistant("hello"), user("bye"), next))).containsExactly(next);
        // copies that follow the last message known by identity are not new either
        var hi = known.getFirst();
        assertThat(Turns.unsaved(known, List.of(hi, assistant("hello"), user("bye"), next))).containsExactly(next);
    }

    @Test
    void sameTurnMeansSameRoleAndText() {
        assertThat(Turns.sameTurn(user("ok"), user("ok"))).isTrue();
        assertThat(Turns.sameTurn(user("ok"), assistant("ok"))).isFalse();
        // metadata (a model's response id, an event id) is not what was said
        assertThat(Turns.sameTurn(AssistantMessage.builder().content("ok").properties(Map.of("id", "x")).build(),
                assistant("ok"))).isTrue();
    }
}
