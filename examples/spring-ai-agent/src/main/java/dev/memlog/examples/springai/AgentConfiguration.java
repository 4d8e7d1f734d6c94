package dev.memlog.examples.springai;

import dev.memlog.client.MemoryClient;
import dev.memlog.client.Owner;
import dev.memlog.springai.MemlogChatMemoryRepository;
import dev.memlog.springai.MemlogContextAdvisor;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/** The ChatClient, its conversation memory on memlog's log, and memlog's context for each question. */
@Configuration(proxyBeanMethods = false)
class AgentConfiguration {
    @Bean
    MemoryClient memoryClient(MemlogProperties memlog) {
        return new MemoryClient(memlog.ingestUrl(), memlog.queryUrl(), memlog.apiKey());
    }

    @Bean
    Owner owner(MemlogProperties memlog) {
        return new Owner(StringUtils.hasText(memlog.userId()) ? memlog.userId() : null,
                StringUtils.hasText(memlog.agentId()) ? memlog.agentId() : null);
    }

    /** Replaces Spring AI's in-memory repository: the conversation is appended to the log. */
    @Bean
    MemlogChatMemoryRepository chatMemoryRepository(MemoryClient client, Owner owner) {
        return new MemlogChatMemoryRepository(client, owner);
    }

    @Bean
    ChatMemory chatMemory(MemlogChatMemoryRepository repository, MemlogProperties memlog) {
        return MessageWindowChatMemory.builder().chatMemoryRepository(repository).maxMessages(memlog.maxMessages()).build();
    }

    @Bean
    MemlogContextAdvisor memlogContextAdvisor(MemoryClient client, Owner owner, MemlogProperties memlog) {
        return MemlogContextAdvisor.builder(client).owner(owner).budgetTokens(memlog.budgetTokens())
                .reportUse(memlog.reportUse()).build();
    }

    @Bean
    ChatClient chatClient(ChatClient.Builder builder, ChatMemory chatMemory, MemlogContextAdvisor context,
                          @Value("${agent.system}") String system) {
        return builder.defaultSystem(system)
                .defaultAdvisors(MessageChatMemoryAdvisor.builder(chatMemory).build(), context)
                .build();
    }
}
