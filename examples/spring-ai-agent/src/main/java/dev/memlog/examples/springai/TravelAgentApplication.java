package dev.memlog.examples.springai;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * A travel desk agent on Spring AI whose memory is memlog: each conversation is a session in the log, and each
 * question is asked with what memlog holds about the traveller from earlier conversations. Run it against a running
 * platform ({@code ./stack up}; MEMLOG_API_KEY is the key it prints) and any OpenAI-protocol endpoint (OPENAI_BASE_URL,
 * OPENAI_API_KEY, OPENAI_MODEL); type a question a line, {@code /new} for a new conversation.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class TravelAgentApplication {
    public static void main(String[] args) {
        SpringApplication.run(TravelAgentApplication.class, args);
    }
}
