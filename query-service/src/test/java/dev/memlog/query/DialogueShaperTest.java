package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import org.junit.jupiter.api.Test;

class DialogueShaperTest {
    static final DialogueShaper RULES = new DialogueShaper(0.2, 0.3, 0.2);

    static DialogueShaper.Turn turn(String id, String follows, String speaker, String text, double relevance) {
        return new DialogueShaper.Turn(id, follows, speaker, text, relevance);
    }

    @Test
    void theAnswerOvertakesTheQuestionThatRestatesTheQuery() {
        var question = turn("q", null, "Ann", "What made you pick the furniture and decor?", 1.0);
        var answer = turn("a", "q", "Bo", "I wanted it to feel like my own style and cosy for customers.", 0.6);
        var unrelated = turn("u", null, "Bo", "The weather was lovely.", 0.5);

        var moves = RULES.adjust("Why did they choose the furniture and decor?", List.of(question, answer, unrelated));

        // the answer borrows a fifth of the question's relevance; the question lends and is asked, so it loses 30%
        assertThat(moves.get(1).neighbour()).isCloseTo(0.2, offset(1e-12));
        assertThat(moves.get(0).neighbour()).isCloseTo(0.12, offset(1e-12));
        assertThat(moves.get(0).question()).isCloseTo(-0.3 * 1.12, offset(1e-12));
        assertThat(moves.get(2).total()).isZero();
        double questionAfter = 1.0 + moves.get(0).total();
        double answerAfter = 0.6 + moves.get(1).total();
        assertThat(answerAfter).isGreaterThan(questionAfter);
    }

    @Test
    void onlyTheOneSpeakerTheQueryNamesIsFavoured() {
        var ann = turn("1", null, "Ann", "I adopted a dog.", 0.5);
        var bo = turn("2", null, "Bo", "I adopted a cat.", 0.5);

        var named = RULES.adjust("What pet did Ann's family adopt?", List.of(ann, bo));
        assertThat(named.get(0).speaker()).isCloseTo(0.1, offset(1e-12));
        assertThat(named.get(1).speaker()).isZero();

        assertThat(RULES.adjust("Did Ann and Bo adopt pets?", List.of(ann, bo))).allMatch(m -> m.speaker() == 0);
        assertThat(RULES.adjust("Who adopted a pet?", List.of(ann, bo))).allMatch(m -> m.speaker() == 0);
        // a name inside another word is not a mention
        assertThat(RULES.adjust("What did Annabel adopt?", List.of(ann, bo))).allMatch(m -> m.speaker() == 0);
    }

    @Test
    void neighboursCountOnlyWhenTheyAreAdjacentInTheSessionAndInThePool() {
        var first = turn("1", null, "Ann", "We moved to Leeds.", 0.9);
        var third = turn("3", "2", "Ann", "It rained all week.", 0.1); // follows a turn outside the pool

        var moves = RULES.adjust("Where did they move?", List.of(first, third));

        assertThat(moves).allMatch(m -> m.neighbour() == 0);
    }

    @Test
    void noRulesMeansNoMoves() {
        var moves = DialogueShaper.none().adjust("Did Ann go?",
                List.of(turn("1", null, "Ann", "Where?", 1), turn("2", "1", "Bo", "Leeds.", 0.5)));
        assertThat(moves).allMatch(m -> m.total() == 0);
    }

    @Test
    void weightsOutsideZeroToOneAreRefused() {
        assertThatThrownBy(() -> new DialogueShaper(1.5, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DialogueShaper(0, -0.1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
