package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Retelling a sentence about its speaker, whose name is whatever a client sent. */
class SentencesTest {

    @Test
    void aFirstPersonSentenceNamesItsSpeaker() {
        assertThat(Sentences.aboutSpeaker("I love my garden and I'm happy with myself.", "Ann"))
                .isEqualTo("Ann loves Ann's garden and Ann is happy with Ann.");
        assertThat(Sentences.aboutSpeaker("They told me I have a new job.", "Ann"))
                .isEqualTo("They told Ann Ann has a new job.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Ke$ha", "$1", "$", "a\\b", "\\", "C:\\Users\\$0", "(.*)", "I", "I am"})
    void aSpeakerNameIsInsertedAsItIsNeverAsAReplacementPattern(String speaker) {
        assertThat(Sentences.aboutSpeaker("I am happy that I have a new job", speaker))
                .isEqualTo(speaker + " is happy that " + speaker + " has a new job");
    }

    @Property(tries = 300)
    void anyNameAndSentenceGiveAnAnswerThatKeepsTheName(@ForAll String speaker, @ForAll String sentence) {
        String told = Sentences.aboutSpeaker("I " + sentence, speaker);
        if (!speaker.isBlank()) {
            assertThat(told).startsWith(speaker);
        }
    }
}
