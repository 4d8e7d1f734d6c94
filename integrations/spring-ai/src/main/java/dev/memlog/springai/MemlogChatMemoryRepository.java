package dev.memlog.springai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.client.MemoryClient;
import dev.memlog.client.Owner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.springframework.ai.chat.memory.ChatMemoryRepository;
import org.springframework.ai.chat.messages.Message;

/**
 * A Spring AI chat memory repository on memlog's log, which is append-only. The conversation id is memlog's
 * {@code session_id}; whose memory it is (a user, an agent, or both) is fixed, or a function of the conversation id;
 * the tenant comes from the client's credential.
 * <p>
 * {@link #saveAll} is given a whole window each time (Spring AI's {@code MessageWindowChatMemory} reads the
 * conversation, adds to it, drops its oldest messages past its size, and saves what is left): only the messages not
 * yet in the log are appended, each once. A message whose append failed keeps the event id it was sent with, so
 * saving it again cannot log it twice. System messages are the app's configuration, not conversation: never logged.
 * <p>
 * {@link #findByConversationId} reads the session's working memory (its latest turns, within the platform's token
 * budget), followed by the turns this repository appended that are not consolidated into it yet, in order: the
 * platform consolidates asynchronously (seconds), and an app reads its own writes all the same. Another process's
 * appends are seen once consolidated.
 * <p>
 * Nothing said can be rewritten, so {@link #deleteByConversationId} refuses; deleting a memory or erasing a user or
 * an agent are the API's own calls ({@link MemoryClient#delete}, {@link MemoryClient#erase}).
 */
public final class MemlogChatMemoryRepository implements ChatMemoryRepository {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MemoryClient client;
    private final Function<String, Owner> owners;
    private final Map<String, Conversation> conversations = new ConcurrentHashMap<>();

    /** Every conversation belongs to one owner. */
    public MemlogChatMemoryRepository(MemoryClient client, Owner owner) {
        this(client, conversationId -> owner);
        Objects.requireNonNull(owner, "owner");
    }

    /** Each conversation belongs to the owner a function of its id names (e.g. ids such as {@code "ann:trip"}). */
    public MemlogChatMemoryRepository(MemoryClient client, Function<String, Owner> ownerOfConversation) {
        this.client = Objects.requireNonNull(client, "client");
        this.owners = Objects.requireNonNull(ownerOfConversation, "ownerOfConversation");
    }

    /**
     * The conversations this repository has read or written since it was made. The log has no list of sessions
     * across owners to give here; one owner's sessions are on its memories ({@code GET /v1/memories?user_id=...&tier=
     * episodic}, each with its {@code session_id}).
     */
    @Override
    public List<String> findConversationIds() {
        return conversations.keySet().stream().sorted().toList();
    }

    @Override
    public List<Message> findByConversationId(String conversationId) {
        Conversation conversation = conversation(conversationId);
        synchronized (conversation) {
            var query = new LinkedHashMap<>(conversation.owner.fields());
            query.put("session_id", conversationId);
            JsonNode working;
            try {
                working = client.workingMemory(query);
            } catch (IOException e) {
                throw new UncheckedIOException("working memory of " + conversationId + " could not be read: "
                        + e.getMessage(), e);
            }
            return conversation.read(working.path("turns"));
        }
    }

    @Override
    public void saveAll(String conversationId, List<Message> messages) {
        Conversation conversation = conversation(conversationId);
        synchronized (conversation) {
            List<Message> fresh = Turns.unsaved(conversation.messages(), messages).stream()
                    .filter(m -> !Turns.text(m).isBlank()) // a message with nothing in it says nothing to keep
                    .toList();
            if (!fresh.isEmpty()) {
                conversation.append(fresh);
            }
        }
    }

    @Override
    public void deleteByConversationId(String conversationId) {
        throw new UnsupportedOperationException("memlog's log is append-only: what was said in " + conversationId
                + " stays in it. Start a new conversation id for a fresh conversation; delete a memory"
                + " (DELETE /v1/memories/{record_id}) or erase a user or an agent (POST /v1/erasure) through the API");
    }

    private Conversation conversation(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        return conversations.computeIfAbsent(conversationId, id -> new Conversation(id,
                Objects.requireNonNull(owners.apply(id), "no owner for conversation " + id)));
    }

    /** What this repository knows of one conversation. */
    private final class Conversation {
        private final String id;
        private final Owner owner;
        /** The conversation as last read, and appended to since, in order, each message with its event id. */
        private List<Map.Entry<String, Message>> known = new ArrayList<>();
        /** Appended by this repository and not yet seen in working memory, in the order they were appended. */
        private final LinkedHashMap<String, Message> pending = new LinkedHashMap<>();
        /** Messages whose append failed, with the event ids they were sent with: a retry keeps them. */
        private final Map<Message, String> attempted = new IdentityHashMap<>();

        Conversation(String id, Owner owner) {
            this.id = id;
            this.owner = owner;
        }

        List<Message> messages() {
            return known.stream().map(Map.Entry::getValue).toList();
        }

        /**
         * Working memory's turns, then the pending ones after them. A message read before, or appended here, is given
         * back as the same object, which is how the next window is told apart from what is new.
         */
        List<Message> read(JsonNode turns) {
            Map<String, Message> before = new HashMap<>();
            known.forEach(e -> before.put(e.getKey(), e.getValue()));
            List<Map.Entry<String, Message>> next = new ArrayList<>();
            Set<String> consolidated = new HashSet<>();
            for (JsonNode turn : turns) {
                String eventId = turn.path("event_id").asText();
                consolidated.add(eventId);
                Message message = pending.containsKey(eventId) ? pending.get(eventId)
                        : before.containsKey(eventId) ? before.get(eventId) : Turns.message(turn);
                next.add(Map.entry(eventId, message));
            }
            // a session's turns are consolidated in the order they were appended: once one of ours is, so is every
            // one before it (working memory may have let the oldest go already)
            List<String> order = new ArrayList<>(pending.keySet());
            int last = -1;
            for (int i = 0; i < order.size(); i++) {
                if (consolidated.contains(order.get(i))) {
                    last = i;
                }
            }
            for (int i = 0; i <= last; i++) {
                pending.remove(order.get(i));
            }
            pending.forEach((eventId, message) -> next.add(Map.entry(eventId, message)));
            known = next;
            return messages();
        }

        void append(List<Message> fresh) {
            List<String> eventIds = new ArrayList<>();
            List<ObjectNode> turns = new ArrayList<>();
            for (Message message : fresh) {
                String eventId = attempted.computeIfAbsent(message, m -> UUID.randomUUID().toString());
                ObjectNode turn = JSON.createObjectNode();
                owner.fields().forEach(turn::put);
                turn.put("session_id", id).put("event_id", eventId).put("role", Turns.role(message))
                        .put("content", Turns.text(message));
                String speaker = Turns.speaker(message);
                if (speaker != null) {
                    turn.putObject("metadata").put(Turns.SPEAKER, speaker);
                }
                eventIds.add(eventId);
                turns.add(turn);
            }
            try {
                if (turns.size() == 1) {
                    client.appendTurn(turns.getFirst());
                } else {
                    // one request, one transaction: the window's new messages are in the log together or not at all
                    ObjectNode batch = JSON.createObjectNode();
                    ArrayNode items = batch.putArray("turns");
                    turns.forEach(items::add);
                    client.appendTurns(batch);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("the conversation " + id + " was not saved (" + fresh.size()
                        + " new messages; saving again sends the same event ids): " + e.getMessage(), e);
            }
            for (int i = 0; i < fresh.size(); i++) {
                Message message = fresh.get(i);
                attempted.remove(message);
                pending.put(eventIds.get(i), message);
                known.add(Map.entry(eventIds.get(i), message));
            }
        }
    }
}
