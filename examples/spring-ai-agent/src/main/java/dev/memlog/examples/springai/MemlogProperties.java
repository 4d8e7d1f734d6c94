package dev.memlog.examples.springai;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where memlog is and whose memory the agent keeps ({@code memlog.*}). The tenant is the API key's; a key bound to
 * an agent supplies the agent itself.
 *
 * @param ingestUrl    ingest-service, where turns are appended
 * @param queryUrl     query-service, where working memory and context packs are read
 * @param apiKey       the API key presented to both
 * @param userId       the user whose conversations these are (or empty, for an agent's own memory)
 * @param agentId      the agent serving them, if the key is not bound to one
 * @param budgetTokens the most tokens of context added to each question
 * @param maxMessages  how many messages of the conversation the model is sent at most
 * @param reportUse    whether the memories put into a prompt are reported as used once answered
 */
@ConfigurationProperties("memlog")
public record MemlogProperties(String ingestUrl, String queryUrl, String apiKey, String userId, String agentId,
                               @DefaultValue("1000") int budgetTokens, @DefaultValue("20") int maxMessages,
                               @DefaultValue("true") boolean reportUse) {
}
