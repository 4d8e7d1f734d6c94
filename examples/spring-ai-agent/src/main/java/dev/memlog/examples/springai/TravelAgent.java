package dev.memlog.examples.springai;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.stereotype.Service;

/** Answers a question within a conversation; the conversation id is memlog's session id. */
@Service
public class TravelAgent {
    private final ChatClient chat;

    TravelAgent(ChatClient chat) {
        this.chat = chat;
    }

    public String ask(String conversationId, String question) {
        return chat.prompt().user(question).advisors(a -> a.param(ChatMemory.CONVERSATION_ID, conversationId))
                .call().content();
    }
}
