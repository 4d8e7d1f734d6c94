package dev.memlog.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.stack.locomo.LocomoFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LocomoFileTest {

    static LocomoFile.Conversation parse(String json) throws IOException {
        return LocomoFile.read(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))).getFirst();
    }

    static final String CONVERSATION = """
            [{"sample_id":"c1","conversation":{"speaker_a":"Ann","speaker_b":"Bo",
              "session_2_date_time":"9:05 AM on 1 June, 2023",
              "session_2":[{"speaker":"Bo","dia_id":"D2:1","text":"later"}],
              "session_1_date_time":"1:56 pm on 8 May, 2023",
              "session_1":[{"speaker":"Ann","dia_id":"D1:1","text":"hi"},
                           {"speaker":"Bo","dia_id":"D1:2","text":"look","blip_caption":"a photo of a cat"}],
              "session_3_date_time":"10:00 am on 2 June, 2023"},
             "qa":[{"question":"q1","answer":"a1","evidence":["D1:1; D2:1"],"category":1},
                   {"question":"q2","answer":2023,"evidence":["D:1:2","D02:01"],"category":2},
                   {"question":"q3","adversarial_answer":"x","evidence":[],"category":5},
                   {"question":"q4","answer":"a4","evidence":["D9:9","D"],"category":4}]}]
            """;

    @Test
    void sessionsAreTheListKeysInNumericOrderWithParsedDates() throws IOException {
        var c = parse(CONVERSATION);
        assertThat(c.sessions()).extracting(LocomoFile.Session::number).containsExactly(1, 2);
        assertThat(c.sessions().getFirst().startedAt()).isEqualTo(Instant.parse("2023-05-08T13:56:00Z"));
        assertThat(c.sessions().get(1).startedAt()).isEqualTo(Instant.parse("2023-06-01T09:05:00Z"));
        assertThat(c.turnCount()).isEqualTo(3);
        assertThat(c.sessions().getFirst().turns().get(1).imageCaption()).isEqualTo("a photo of a cat");
    }

    @Test
    void evidenceIsNormalisedAndUnresolvableIdsAreReported() throws IOException {
        var c = parse(CONVERSATION);
        assertThat(c.questions().get(0).evidence()).containsExactly("D1:1", "D2:1");
        assertThat(c.questions().get(1).evidence()).containsExactly("D1:2", "D2:1");
        assertThat(c.questions().get(1).answer()).isEqualTo("2023");
        assertThat(c.questions().get(2).answer()).isEqualTo("x");
        assertThat(c.questions().get(3).evidence()).isEmpty();
        assertThat(c.unresolvedEvidence()).containsExactly("c1:D9:9", "c1:D");
    }

    @Test
    void aFileThatIsNotAnArrayIsRefusedWithAReason() {
        assertThatThrownBy(() -> parse("{\"sample_id\":\"x\"}")).isInstanceOf(IOException.class).hasMessageContaining("array");
    }

    @Test
    void theBundledSampleLoads() throws IOException {
        try (var in = LocomoFileTest.class.getResourceAsStream("/sample-conversation.json")) {
            var c = LocomoFile.read(in).getFirst();
            assertThat(c.sessions()).hasSize(3);
            assertThat(c.unresolvedEvidence()).isEmpty();
            assertThat(c.questions()).allSatisfy(q -> assertThat(q.evidence()).isNotEmpty());
        }
    }
}
