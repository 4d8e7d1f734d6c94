package dev.memlog.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.memlog.client.MemoryClient;
import dev.memlog.client.Owner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A LangChain4j chat memory that is append-only: each message is appended to the log as a turn of one session, and the
 * messages are the session's working memory, with what was appended but not yet consolidated after it, in order, so an
 * agent reads its own writes. The system message is the agent's configuration, not conversation: kept here, never
 * logged. Nothing already said can be rewritten, so {@link #set} and {@link #clear} refuse; deleting or erasing what
 * was said is the API's deletion and erasure.
 */
public final class MemlogChatMemory implements ChatMemory {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MemoryClient client;
    private final Owner owner;
    private final String sessionId;
    /** Appended turns not yet seen in working memory, by event id, in the order they were appended. */
    private final Map<String, ChatMessage> pending = new LinkedHashMap<>();
    private SystemMessage system;

    public MemlogChatMemory(MemoryClient client, Owner owner, String sessionId) {
        this.client = client;
        this.owner = owner;
        this.sessionId = sessionId;
    }

    @Override
    public Object id() {
        return sessionId;
    }

    @Override
    public synchronized void add(ChatMessage message) {
        if (message instanceof SystemMessage s) {
            system = s;
            return;
        }
        ObjectNode turn = JSON.createObjectNode();
        owner.fields().forEach(turn::put);
        turn.put("session_id", sessionId).put("role", role(message)).put("content", text(message));
        try {
            pending.put(client.appendTurn(turn).path("event_id").asText(), message);
        } catch (IOException e) {
            throw new UncheckedIOException("the turn was not appended: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized List<ChatMessage> messages() {
        JsonNode working;
        try {
            var query = new LinkedHashMap<>(owner.fields());
            query.put("session_id", sessionId);
            working = client.workingMemory(query);
        } catch (IOException e) {
            throw new UncheckedIOException("working memory could not be read: " + e.getMessage(), e);
        }
        List<ChatMessage> messages = new ArrayList<>();
        if (system != null) {
            messages.add(system);
        }
        Set<String> consolidated = new HashSet<>();
        for (JsonNode turn : working.path("turns")) {
            String eventId = turn.path("event_id").asText();
            consolidated.add(eventId);
            // a message this memory appended stays as it was given (a tool call keeps its requests)
            ChatMessage own = pending.get(eventId);
            messages.add(own != null ? own : message(turn.path("speaker").asText(), turn.path("text").asText()));
        }
        for (Iterator<Map.Entry<String, ChatMessage>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (consolidated.contains(entry.getKey())) {
                it.remove(); // seen once in working memory: from now on it is read from there
            } else {
                messages.add(entry.getValue());
            }
        }
        return messages;
    }

    @Override
    public void set(Iterable<ChatMessage> messages) {
        throw new UnsupportedOperationException("memlog's chat memory is append-only: what was said stays in the log;"
                + " delete a memory or erase a subject through the API instead");
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException("memlog's chat memory is append-only: start a new session id for a fresh"
                + " conversation, or erase the subject through the API");
    }

    static String role(ChatMessage message) {
        return switch (message) {
            case UserMessage u -> "user";
            case AiMessage a -> "assistant";
            case ToolExecutionResultMessage t -> "tool";
            case SystemMessage s -> "system";
            default -> "user";
        };
    }

    /** What the log keeps of a message: its text, and a tool call's name and arguments, which have no text. */
    static String text(ChatMessage message) {
        return switch (message) {
            case UserMessage u -> u.hasSingleText() ? u.singleText() : u.contents().toString();
            case AiMessage a -> {
                String calls = a.hasToolExecutionRequests() ? a.toolExecutionRequests().stream()
                        .map(r -> "[tool call " + r.name() + " " + r.arguments() + "]").collect(Collectors.joining(" ")) : "";
                yield a.text() == null ? calls : calls.isEmpty() ? a.text() : a.text() + " " + calls;
            }
            case ToolExecutionResultMessage t -> "[" + t.toolName() + "] " + t.text();
            case SystemMessage s -> s.text();
            default -> message.toString();
        };
    }

    /** A turn read back from working memory as the message type its role names. */
    static ChatMessage message(String role, String text) {
        return switch (role) {
            case "assistant", "tool" -> AiMessage.from(text);
            case "system" -> SystemMessage.from(text);
            default -> UserMessage.from(text);
        };
    }
}
