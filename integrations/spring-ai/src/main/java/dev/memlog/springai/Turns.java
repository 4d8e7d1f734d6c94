package dev.memlog.springai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;

/**
 * Between Spring AI's messages and memlog's turns: the role and text a message is logged as, the message a turn of
 * working memory reads back as, and which messages of a chat memory's window are not in the log yet.
 */
final class Turns {
    /** A message's metadata key naming who said it, logged as the turn's speaker (a role otherwise). */
    static final String SPEAKER = "speaker";
    /** Metadata of a message read back from working memory: the turn's event id and when it was said. */
    static final String EVENT_ID = "event_id";
    static final String OCCURRED_AT = "occurred_at";

    private Turns() {
    }

    /** The turn's role: one of the API's user, assistant, tool and system. */
    static String role(Message message) {
        return switch (message.getMessageType()) {
            case USER -> "user";
            case ASSISTANT -> "assistant";
            case TOOL -> "tool";
            case SYSTEM -> "system";
        };
    }

    /** What the log keeps of a message: its text, and a tool call's name and arguments, which have no text. */
    static String text(Message message) {
        return switch (message) {
            case AssistantMessage a -> {
                String text = a.getText() == null ? "" : a.getText();
                String calls = a.getToolCalls().stream().map(c -> "[tool call " + c.name() + " " + c.arguments() + "]")
                        .collect(Collectors.joining(" "));
                yield text.isBlank() ? calls : calls.isEmpty() ? text : text + " " + calls;
            }
            case ToolResponseMessage t -> t.getResponses().stream().map(r -> "[" + r.name() + "] " + r.responseData())
                    .collect(Collectors.joining("\n"));
            default -> message.getText() == null ? "" : message.getText();
        };
    }

    /** Who said it, when a message names a speaker in its metadata ("Caroline"); null for its role alone. */
    static String speaker(Message message) {
        return message.getMetadata().get(SPEAKER) instanceof String s && !s.isBlank() ? s : null;
    }

    /**
     * A turn of working memory ({@code event_id, speaker, text, occurred_at}) as the message its speaker stands for:
     * the assistant's own words as an assistant message, anything a person said (a role of user, or a speaker's name)
     * as a user message. A tool's result reads back as the assistant's: its call is not in the log to be answered.
     */
    static Message message(JsonNode turn) {
        String speaker = turn.path("speaker").asText("user");
        String text = turn.path("text").asText("");
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put(EVENT_ID, turn.path("event_id").asText());
        if (turn.hasNonNull("occurred_at")) {
            metadata.put(OCCURRED_AT, turn.path("occurred_at").asText());
        }
        return switch (speaker) {
            case "assistant", "tool" -> AssistantMessage.builder().content(text).properties(metadata).build();
            case "system" -> SystemMessage.builder().text(text).metadata(metadata).build();
            case "user" -> UserMessage.builder().text(text).metadata(metadata).build();
            default -> {
                metadata.put(SPEAKER, speaker);
                yield UserMessage.builder().text(text).metadata(metadata).build();
            }
        };
    }

    /** Whether two messages are logged as the same turn: the same role and the same text. */
    static boolean sameTurn(Message a, Message b) {
        return a.getMessageType() == b.getMessageType() && text(a).equals(text(b));
    }

    /** The messages of a conversation, without the system's: those are the app's configuration, not what was said. */
    static List<Message> conversational(List<Message> messages) {
        return messages.stream().filter(m -> m.getMessageType() != MessageType.SYSTEM).toList();
    }

    /**
     * The messages of a window that are not in the log yet. {@code known} is the conversation as this repository last
     * read it and appended to it since, in order; a chat memory's window is a tail of it (old messages may have been
     * dropped from its front) followed by the new messages.
     * <p>
     * The messages a repository handed out or appended come back as the same objects, so the last of them in the
     * window anchors it: whatever follows is new, except copies of messages known to follow the anchor. A window
     * with no such object (a caller that rebuilt its messages) is aligned by content instead: the longest run at the
     * end of what is known that the window starts with is already logged. Only a message that repeats, word for word,
     * the one logged just before it, in a window that kept nothing of what it had read, would be taken for logged.
     */
    static List<Message> unsaved(List<Message> known, List<Message> window) {
        List<Message> k = conversational(known);
        List<Message> w = conversational(window);
        Map<Message, Integer> position = new IdentityHashMap<>();
        for (int i = 0; i < k.size(); i++) {
            position.put(k.get(i), i);
        }
        int anchor = -1;
        for (int i = w.size() - 1; i >= 0 && anchor < 0; i--) {
            if (position.containsKey(w.get(i))) {
                anchor = i;
            }
        }
        int start;
        if (anchor >= 0) {
            start = anchor + 1;
            for (int at = position.get(w.get(anchor)) + 1; start < w.size() && at < k.size()
                    && sameTurn(w.get(start), k.get(at)); at++) {
                start++;
            }
        } else {
            start = 0;
            for (int overlap = Math.min(k.size(), w.size()); overlap > 0 && start == 0; overlap--) {
                boolean matches = true;
                for (int i = 0; i < overlap && matches; i++) {
                    matches = sameTurn(k.get(k.size() - overlap + i), w.get(i));
                }
                if (matches) {
                    start = overlap;
                }
            }
        }
        return new ArrayList<>(w.subList(start, w.size()));
    }
}
