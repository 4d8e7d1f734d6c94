package dev.memlog.springai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.client.MemoryClient;
import dev.memlog.client.Owner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.Advisor;
import org.springframework.ai.chat.client.advisor.api.AdvisorChain;
import org.springframework.ai.chat.client.advisor.api.BaseAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.messages.UserMessage;

/**
 * A Spring AI advisor that gives the model what memlog remembers for the question: before each call it asks for a
 * context pack ({@code POST /v1/context}: the owner's memories ranked for the user's message, within a token budget)
 * and adds the pack's text to the system message. Optionally, once the model has answered, it reports the pack's
 * memories as used ({@code POST /v1/feedback}), which the platform's lifecycle counts in their favour.
 * <p>
 * The owner is fixed, or a function of the conversation id the call carries ({@link ChatMemory#CONVERSATION_ID},
 * null when it carries none). A pack that cannot be had leaves the prompt as it was: the answer goes on without
 * long-term memory, and the failure is logged. The record ids and request id of the pack put into a call are in its
 * context under {@link #RECORD_IDS} and {@link #REQUEST_ID}.
 */
public final class MemlogContextAdvisor implements BaseAdvisor {
    /** The context key of the record ids the pack put into the prompt held (a {@code List<String>}). */
    public static final String RECORD_IDS = "memlog.context.record_ids";
    /** The context key of the context pack's request id. */
    public static final String REQUEST_ID = "memlog.context.request_id";
    /** What precedes the pack in the system message unless another text is given. */
    public static final String DEFAULT_PREAMBLE = "What memory holds that may bear on this conversation (earlier"
            + " conversations and facts learned from them, with dates; it may be incomplete):";
    private static final System.Logger LOG = System.getLogger(MemlogContextAdvisor.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MemoryClient client;
    private final Function<String, Owner> owners;
    private final int budgetTokens;
    private final List<String> tiers;
    private final boolean reportUse;
    private final String preamble;
    private final int order;

    private MemlogContextAdvisor(Builder builder) {
        this.client = builder.client;
        this.owners = Objects.requireNonNull(builder.owners, "an owner is required: owner(...) or ownerOf(...)");
        this.budgetTokens = builder.budgetTokens;
        this.tiers = List.copyOf(builder.tiers);
        this.reportUse = builder.reportUse;
        this.preamble = builder.preamble;
        this.order = builder.order;
    }

    public static Builder builder(MemoryClient client) {
        return new Builder(client);
    }

    @Override
    public ChatClientRequest before(ChatClientRequest request, AdvisorChain chain) {
        UserMessage question = request.prompt().getUserMessage();
        String query = question == null ? null : question.getText();
        if (query == null || query.isBlank()) {
            return request;
        }
        Owner owner = owner(request.context().get(ChatMemory.CONVERSATION_ID));
        ObjectNode body = JSON.createObjectNode().put("query", query);
        owner.fields().forEach(body::put);
        body.put("budget_tokens", budgetTokens);
        if (!tiers.isEmpty()) {
            tiers.forEach(body.putArray("tiers")::add);
        }
        JsonNode pack;
        try {
            pack = client.context(body);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "no context pack for this call, answering without long-term memory: "
                    + e.getMessage());
            return request;
        }
        String context = pack.path("context").asText("");
        if (pack.path("items").isEmpty() || context.isBlank()) {
            return request;
        }
        List<String> recordIds = new ArrayList<>();
        pack.path("items").forEach(item -> {
            if (item.hasNonNull("record_id")) {
                recordIds.add(item.path("record_id").asText());
            }
        });
        var augmented = request.prompt().augmentSystemMessage(system -> system.mutate()
                .text(augment(system.getText(), preamble, context)).build());
        var advised = request.mutate().prompt(augmented).context(RECORD_IDS, List.copyOf(recordIds));
        if (pack.hasNonNull("request_id")) {
            advised.context(REQUEST_ID, pack.path("request_id").asText());
        }
        return advised.build();
    }

    @Override
    public ChatClientResponse after(ChatClientResponse response, AdvisorChain chain) {
        if (reportUse && response.chatResponse() != null && response.context().get(RECORD_IDS) instanceof List<?> ids
                && !ids.isEmpty()) {
            ObjectNode report = JSON.createObjectNode();
            owner(response.context().get(ChatMemory.CONVERSATION_ID)).fields().forEach(report::put);
            var recordIds = report.putArray("record_ids");
            ids.forEach(id -> recordIds.add(String.valueOf(id)));
            report.put("signal", "used");
            if (response.context().get(REQUEST_ID) instanceof String requestId) {
                report.put("request_id", requestId);
            }
            try {
                client.feedback(report);
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the context pack's use was not reported: " + e.getMessage());
            }
        }
        return response;
    }

    /** The system text with the pack after it: the app's own instructions first, as given. */
    static String augment(String system, String preamble, String context) {
        String memory = preamble.isBlank() ? context : preamble + "\n" + context;
        return system == null || system.isBlank() ? memory : system + "\n\n" + memory;
    }

    private Owner owner(Object conversationId) {
        return Objects.requireNonNull(owners.apply(conversationId == null ? null : conversationId.toString()),
                "no owner for conversation " + conversationId);
    }

    @Override
    public int getOrder() {
        return order;
    }

    @Override
    public String getName() {
        return "MemlogContextAdvisor";
    }

    public static final class Builder {
        private final MemoryClient client;
        private Function<String, Owner> owners;
        private int budgetTokens = 1_000;
        private List<String> tiers = List.of();
        private boolean reportUse;
        private String preamble = DEFAULT_PREAMBLE;
        // after the chat memory advisor: the conversation is in place, the system message first
        private int order = Advisor.DEFAULT_CHAT_MEMORY_PRECEDENCE_ORDER + 100;

        private Builder(MemoryClient client) {
            this.client = Objects.requireNonNull(client, "client");
        }

        /** Every call reads this owner's memory. */
        public Builder owner(Owner owner) {
            Objects.requireNonNull(owner, "owner");
            this.owners = conversationId -> owner;
            return this;
        }

        /** Each call reads the memory of the owner a function of its conversation id names (null when none). */
        public Builder ownerOf(Function<String, Owner> ownerOfConversation) {
            this.owners = Objects.requireNonNull(ownerOfConversation, "ownerOfConversation");
            return this;
        }

        /** The most tokens the pack may take (1,000 unless set), counted by the platform with a real tokenizer. */
        public Builder budgetTokens(int budgetTokens) {
            if (budgetTokens < 1) {
                throw new IllegalArgumentException("budgetTokens must be at least 1");
            }
            this.budgetTokens = budgetTokens;
            return this;
        }

        /** Only these tiers (working, episodic, semantic, procedural); all unless set. */
        public Builder tiers(String... tiers) {
            this.tiers = List.of(tiers);
            return this;
        }

        /** Whether to report the pack's memories as used once the model has answered (off unless set). */
        public Builder reportUse(boolean reportUse) {
            this.reportUse = reportUse;
            return this;
        }

        /** The text that introduces the pack in the system message; blank for the pack alone. */
        public Builder preamble(String preamble) {
            this.preamble = Objects.requireNonNull(preamble, "preamble");
            return this;
        }

        public Builder order(int order) {
            this.order = order;
            return this;
        }

        public MemlogContextAdvisor build() {
            return new MemlogContextAdvisor(this);
        }
    }
}
