package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.schemas.avro.MemoryTier;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuleFactExtractorTest {
    final RuleFactExtractor rules = new RuleFactExtractor();

    List<Fact> said(String speaker, String text) {
        return rules.extract(new FactExtractor.Utterance(speaker, "user", text, false));
    }

    @Test
    void attributesGetASubjectAttributeKeyAndReadAsSentencesAboutTheSpeaker() {
        assertThat(said("Ann", "Guess what! I moved to Lisbon last month, and I love it."))
                .singleElement().satisfies(f -> {
                    assertThat(f.tier()).isEqualTo(MemoryTier.SEMANTIC);
                    assertThat(f.subject()).isEqualTo("Ann");
                    assertThat(f.attribute()).isEqualTo("lives in");
                    assertThat(f.value()).isEqualTo("Lisbon last month");
                    assertThat(f.statement()).isEqualTo("Ann moved to Lisbon last month, and Ann loves it.");
                });
        assertThat(said("Bo", "My favorite food is ramen, always has been.")).singleElement()
                .satisfies(f -> assertThat(f.key()).isEqualTo("bo\u001ffavorite food"))
                .satisfies(f -> assertThat(f.value()).isEqualTo("ramen"));
        assertThat(said("Bo", "My dog is named Rex.")).singleElement()
                .satisfies(f -> assertThat(f.attribute()).isEqualTo("dog's name"))
                .satisfies(f -> assertThat(f.value()).isEqualTo("Rex"));
        assertThat(said("Bo", "I'm 34 years old.")).singleElement().satisfies(f -> assertThat(f.value()).isEqualTo("34"));
    }

    @Test
    void aFeelingKeysOnWhatItIsAboutSoTheOppositeFeelingHasTheSameKey() {
        Fact loves = said("Ann", "I really love hiking in the hills.").getFirst();
        Fact hates = said("Ann", "Honestly I don't like hiking in the hills anymore.").getFirst();
        assertThat(loves.key()).isEqualTo(hates.key());
        assertThat(loves.value()).isEqualTo("likes");
        assertThat(hates.value()).isEqualTo("dislikes");
        assertThat(hates.negated()).isTrue();
    }

    @Test
    void eventsAndPlansAreFactsWithoutAKey() {
        assertThat(said("Caroline", "I went to a LGBTQ support group yesterday and it was so powerful.")).singleElement()
                .satisfies(f -> assertThat(f.key()).isNull())
                .satisfies(f -> assertThat(f.statement()).startsWith("Caroline went to a LGBTQ support group"));
        assertThat(said("Mel", "I'm planning to run a charity race in June.")).singleElement()
                .satisfies(f -> assertThat(f.statement()).isEqualTo("Mel is planning to run a charity race in June."));
    }

    @Test
    void questionsSmallTalkAndRemarksAboutOthersAreNotFacts() {
        assertThat(said("Ann", "Do you like hiking?")).isEmpty();
        assertThat(said("Ann", "Thanks, that sounds great!")).isEmpty();
        assertThat(said("Ann", "Your painting is beautiful.")).isEmpty();
        assertThat(said("Ann", "There's something I want to tell you.")).isEmpty();
        assertThat(said("Ann", "Check out this piece I made last week!")).isEmpty();
    }

    @Test
    void instructionsFromAUserAreProceduralWithAKeyWhereTheRuleNamesOne() {
        assertThat(said("Ann", "Always answer in French, please.")).singleElement().satisfies(f -> {
            assertThat(f.tier()).isEqualTo(MemoryTier.PROCEDURAL);
            assertThat(f.attribute()).isEqualTo("language of replies");
            assertThat(f.value()).isEqualTo("french");
        });
        assertThat(said("Ann", "Use the staging cluster for tests.")).singleElement().satisfies(f -> {
            assertThat(f.tier()).isEqualTo(MemoryTier.PROCEDURAL);
            assertThat(f.attribute()).isEqualTo("what to use for tests");
            assertThat(f.value()).isEqualTo("staging cluster");
        });
        assertThat(said("Ann", "Never deploy on Fridays.")).singleElement()
                .satisfies(f -> assertThat(f.tier()).isEqualTo(MemoryTier.PROCEDURAL))
                .satisfies(f -> assertThat(f.key()).isNull());
        // the same words from the assistant are not an instruction to it
        assertThat(rules.extract(new FactExtractor.Utterance("Bot", "assistant", "Always answer in French.", false))).isEmpty();
    }

    @Test
    void anExplicitMemoryIsAFactEvenInTheThirdPerson() {
        assertThat(rules.extract(new FactExtractor.Utterance(null, null, "Ann's daughter is called Mia.", true)))
                .singleElement().satisfies(f -> assertThat(f.statement()).isEqualTo("Ann's daughter is called Mia."));
    }
}
