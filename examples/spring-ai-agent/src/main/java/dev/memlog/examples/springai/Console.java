package dev.memlog.examples.springai;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/** A question a line from standard input; {@code /new} starts a new conversation. Off with agent.console=false. */
@Component
@ConditionalOnProperty(name = "agent.console", havingValue = "true", matchIfMissing = true)
class Console implements ApplicationRunner {
    private final TravelAgent agent;

    Console(TravelAgent agent) {
        this.agent = agent;
    }

    static String newConversation() {
        return "chat-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }

    @Override
    public void run(ApplicationArguments args) throws Exception {
        String conversation = newConversation();
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("conversation " + conversation + " (/new for another, Ctrl-D to stop)");
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) {
                continue;
            }
            if (line.strip().equals("/new")) {
                conversation = newConversation();
                System.out.println("conversation " + conversation);
                continue;
            }
            System.out.println(agent.ask(conversation, line.strip()));
        }
    }
}
