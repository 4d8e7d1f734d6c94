package dev.memlog.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.client.Owner;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;

class MemlogChatMemoryRepositoryTest {
    final FakeMemlog memlog = new FakeMemlog();
    final MemlogChatMemoryRepository repository = new MemlogChatMemoryRepository(memlog.client(), Owner.user("ann"));

    @AfterEach
    void stop() {
        memlog.close();
    }

    @Test
    void aWindowChatMemoryAppendsEachMessageOnceAndReadsItsOwnWritesBeforeConsolidation() {
        var memory = MessageWindowChatMemory.builder().chatMemoryRepository(repository).maxMessages(3).build();
        memory.add("trip", List.of(new SystemMessage("be brief"), new UserMessage("I fly to Porto on Friday.")));
        memory.add("trip", new AssistantMessage("Noted: Porto, Friday."));
        // nothing consolidated yet: the conversation is what this repository appended, in order
        assertThat(memory.get("trip")).extracting(Message::getText)
                .containsExactly("I fly to Porto on Friday.", "Noted: Porto, Friday.");
        memlog.consolidate();
        memory.add("trip", new UserMessage("yes"));
        memory.add("trip", new AssistantMessage("ok"));
        // the window (3 messages) has dropped the first exchange; each message is in the log once, none is system
        memory.add("trip", new UserMessage("yes"));
        assertThat(memlog.appendedTexts()).containsExactly("I fly to Porto on Friday.", "Noted: Porto, Friday.", "yes", "ok", "yes");
        assertThat(memlog.appended).allSatisfy(t -> {
            assertThat(t.path("user_id").asText()).isEqualTo("ann");
            assertThat(t.path("session_id").asText()).isEqualTo("trip");
            assertThat(t.path("event_id").asText()).isNotBlank();
        });
        assertThat(memlog.appended).extracting(t -> t.path("role").asText())
                .containsExactly("user", "assistant", "user", "assistant", "user");
        // consolidated and pending read together, in order, with no turn twice
        assertThat(memory.get("trip")).extracting(Message::getText)
                .containsExactly("I fly to Porto on Friday.", "Noted: Porto, Friday.", "yes", "ok", "yes");
        memlog.consolidate();
        assertThat(memory.get("trip")).extracting(Message::getText)
                .containsExactly("I fly to Porto on Friday.", "Noted: Porto, Friday.", "yes", "ok", "yes");
        assertThat(memlog.workingMemoryQueries).allMatch(q -> q.equals("user_id=ann&session_id=trip"));
    }

    @Test
    void theSameWindowSavedTwiceIsAppendedOnceAndSeveralNewMessagesGoInOneBatch() {
        List<Message> window = List.of(new UserMessage("hi"), new AssistantMessage("hello"), new UserMessage("bye"));
        repository.saveAll("s1", window);
        repository.saveAll("s1", window);
        // copies of the same messages are the same turns
        repository.saveAll("s1", List.of(new UserMessage("hi"), new AssistantMessage("hello"), new UserMessage("bye")));
        assertThat(memlog.appendedTexts()).containsExactly("hi", "hello", "bye");
        assertThat(memlog.appended).extracting(t -> t.path("event_id").asText()).doesNotHaveDuplicates();
        assertThat(repository.findConversationIds()).containsExactly("s1");
    }

    @Test
    void aTurnReadFromAnotherWriterIsKeptAndWhatFollowsItIsAppended() {
        // another process wrote this session; it is consolidated, so working memory has it
        memlog.working.add(FakeMemlog.JSON.createObjectNode().put("event_id", "other-1").put("speaker", "Caroline")
                .put("text", "I went to the support group yesterday."));
        var memory = MessageWindowChatMemory.builder().chatMemoryRepository(repository).build();
        assertThat(memory.get("s2")).singleElement().satisfies(m -> {
            assertThat(m).isInstanceOf(UserMessage.class);
            assertThat(m.getMetadata()).containsEntry("speaker", "Caroline").containsEntry("event_id", "other-1");
        });
        memory.add("s2", new AssistantMessage("How was it?"));
        assertThat(memlog.appendedTexts()).containsExactly("How was it?");
    }

    @Test
    void aFailedSaveIsRetriedWithTheSameEventIds() {
        var first = new UserMessage("remember the locker code 5521");
        memlog.appendStatus = 400;
        assertThatThrownBy(() -> repository.saveAll("s3", List.of(first))).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("same event ids");
        memlog.appendStatus = 202;
        repository.saveAll("s3", List.of(first));
        repository.saveAll("s3", List.of(first));
        assertThat(memlog.appendedTexts()).containsExactly("remember the locker code 5521");
        assertThat(memlog.appended.getFirst().path("event_id").asText())
                .isEqualTo(memlog.refused.getFirst().path("event_id").asText());
    }

    @Test
    void theOwnerMayBeAFunctionOfTheConversationId() {
        var perUser = new MemlogChatMemoryRepository(memlog.client(),
                id -> new Owner(id.substring(0, id.indexOf(':')), "desk"));
        perUser.saveAll("bob:trip", List.of(new UserMessage("hello")));
        assertThat(memlog.appended.getFirst().path("user_id").asText()).isEqualTo("bob");
        assertThat(memlog.appended.getFirst().path("agent_id").asText()).isEqualTo("desk");
        perUser.findByConversationId("bob:trip");
        assertThat(memlog.workingMemoryQueries.getLast()).isEqualTo("user_id=bob&agent_id=desk&session_id=bob%3Atrip");
    }

    @Test
    void aConversationCannotBeDeletedFromTheLog() {
        assertThatThrownBy(() -> repository.deleteByConversationId("s1")).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("append-only").hasMessageContaining("/v1/erasure");
        assertThatThrownBy(() -> new Owner(null, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
