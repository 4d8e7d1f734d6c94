package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.llm.LlmEndpoint;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.testkit.OpenAiCompatibleStub;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The LLM fact extractor against a local server speaking the OpenAI chat-completions protocol. */
class LlmFactExtractorTest {
    static final FactExtractor.Utterance MOVED = new FactExtractor.Utterance("Ann", "user",
            "We finally moved to Porto! Oh, and from now on please reply in Portuguese.", false);

    LlmFactExtractor extractor(OpenAiCompatibleStub stub) {
        var endpoint = new LlmEndpoint(stub.baseUrl(), "extractor", "key", Duration.ofSeconds(5));
        return new LlmFactExtractor(endpoint.client(), new RuleFactExtractor());
    }

    @Test
    void theModelsJsonBecomesFactsAndInstructionsWithTheirKeys() {
        String reply = """
                Here you go:
                [{"kind": "fact", "subject": "Ann", "attribute": "lives in", "value": "Porto",
                  "statement": "Ann lives in Porto.", "negated": false},
                 {"kind": "instruction", "subject": "Ann", "attribute": "language of replies", "value": "Portuguese",
                  "statement": "Reply to Ann in Portuguese."},
                 {"kind": "fact", "subject": "Ann", "attribute": null, "value": null, "statement": "  "}]""";
        try (var stub = new OpenAiCompatibleStub(body -> reply)) {
            var facts = extractor(stub).extract(MOVED);

            assertThat(facts).hasSize(2);
            assertThat(facts.getFirst()).isEqualTo(new Fact(MemoryTier.SEMANTIC, "Ann", "lives in", "Porto", "Ann lives in Porto.", false));
            assertThat(facts.get(1).tier()).isEqualTo(MemoryTier.PROCEDURAL);
            assertThat(facts.get(1).key()).isEqualTo("instructions\u001flanguage of replies");
            assertThat(stub.requests()).singleElement().asString().contains("Speaker: Ann", "moved to Porto");
        }
    }

    @Test
    void aReplyThatIsNotTheJsonOrAFailingEndpointFallsBackToTheRules() {
        var rules = new RuleFactExtractor().extract(MOVED);
        assertThat(rules).isNotEmpty();
        try (var stub = new OpenAiCompatibleStub(body -> "Sorry, I can't help with that.")) {
            assertThat(extractor(stub).extract(MOVED)).isEqualTo(rules);
            stub.failWith(503);
            assertThat(extractor(stub).extract(MOVED)).isEqualTo(rules);
        }
    }
}
