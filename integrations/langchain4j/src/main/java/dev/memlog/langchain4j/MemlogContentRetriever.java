package dev.memlog.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.ContentMetadata;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.memlog.client.MemoryClient;
import dev.memlog.client.Owner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A LangChain4j content retriever over one owner's memory: the best memories for the query, each with its record id
 * and score, or one token-budgeted context pack, as memlog's hybrid retrieval ranks them.
 */
public final class MemlogContentRetriever implements ContentRetriever {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MemoryClient client;
    private final Owner owner;
    private final int maxResults;
    private final Integer budgetTokens;
    private final List<String> tiers;

    private MemlogContentRetriever(MemoryClient client, Owner owner, int maxResults, Integer budgetTokens, List<String> tiers) {
        this.client = client;
        this.owner = owner;
        this.maxResults = maxResults;
        this.budgetTokens = budgetTokens;
        this.tiers = List.copyOf(tiers);
    }

    /** The {@code maxResults} best memories of the owner, each a content of its own. */
    public static MemlogContentRetriever search(MemoryClient client, Owner owner, int maxResults, String... tiers) {
        return new MemlogContentRetriever(client, owner, maxResults, null, List.of(tiers));
    }

    /** One content: the owner's memories for the query packed into at most {@code budgetTokens} tokens. */
    public static MemlogContentRetriever contextPack(MemoryClient client, Owner owner, int budgetTokens, String... tiers) {
        return new MemlogContentRetriever(client, owner, 10, budgetTokens, List.of(tiers));
    }

    @Override
    public List<Content> retrieve(Query query) {
        ObjectNode request = JSON.createObjectNode().put("query", query.text());
        owner.fields().forEach(request::put);
        if (!tiers.isEmpty()) {
            tiers.forEach(request.putArray("tiers")::add);
        }
        try {
            if (budgetTokens != null) {
                JsonNode pack = client.context(request.put("budget_tokens", budgetTokens));
                if (pack.path("items").isEmpty()) {
                    return List.of();
                }
                Metadata metadata = new Metadata().put("request_id", pack.path("request_id").asText())
                        .put("tokens", pack.path("tokens").asInt());
                return List.of(Content.from(TextSegment.from(pack.path("context").asText(), metadata)));
            }
            JsonNode hits = client.search(request.put("k", maxResults)).path("hits");
            List<Content> contents = new ArrayList<>();
            for (JsonNode hit : hits) {
                Metadata metadata = new Metadata().put("record_id", hit.path("record_id").asText())
                        .put("tier", hit.path("tier").asText()).put("observed_at", hit.path("observed_at").asText());
                contents.add(Content.from(TextSegment.from(hit.path("text").asText(), metadata),
                        Map.of(ContentMetadata.SCORE, hit.path("score").asDouble())));
            }
            return contents;
        } catch (IOException e) {
            throw new UncheckedIOException("memory could not be searched: " + e.getMessage(), e);
        }
    }
}
