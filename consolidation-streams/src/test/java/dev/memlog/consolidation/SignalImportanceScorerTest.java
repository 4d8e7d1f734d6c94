package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class SignalImportanceScorerTest {
    final SignalImportanceScorer scorer = new SignalImportanceScorer();

    @Test
    void statementsWithSignalsOutrankSmallTalkAndBareQuestions() {
        double smallTalk = scorer.score("Thanks, bye!", false);
        double question = scorer.score("How have you been?", false);
        double plain = scorer.score("the weather was fine", false);
        double preference = scorer.score("I love hiking with my dogs in the Peak District every June.", false);
        double remember = scorer.score("Please remember that I always take the 8:15 train.", false);

        assertThat(smallTalk).isLessThan(question);
        assertThat(question).isLessThan(plain);
        assertThat(plain).isLessThan(preference);
        assertThat(preference).isLessThan(remember);
        assertThat(scorer.score("anything at all", true)).isEqualTo(0.9);
    }

    @Property
    void everyScoreIsWithinZeroAndOne(@ForAll String text, @ForAll boolean explicit) {
        assertThat(scorer.score(text, explicit)).isBetween(0.0, 1.0);
    }
}
