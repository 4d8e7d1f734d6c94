package dev.memlog.common.llm;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;

/** A chat model and its name, asked one thing at a time: standing instructions, then the message. */
public record LlmClient(ChatModel chat, String model) {

    /** The model's reply text, which may be null or blank; transport failures are thrown. */
    public String ask(String instructions, String message) {
        return chat.chat(SystemMessage.from(instructions), UserMessage.from(message)).aiMessage().text();
    }
}
