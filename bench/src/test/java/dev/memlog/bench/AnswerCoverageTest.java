package dev.memlog.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AnswerCoverageTest {
    @Test
    void contentTokensDropCasePunctuationAndStopWords() {
        assertThat(AnswerCoverage.contentTokens("The Adoption agencies, in May!")).containsExactly("adoption", "agencies", "may");
    }

    @Test
    void coverageIsTheShareOfAnswerTokensInThePack() {
        String pack = "[8 May 2023, session_1]\nCaroline: I researched adoption agencies yesterday.";
        assertThat(AnswerCoverage.coverage("Adoption agencies", pack)).isEqualTo(1.0);
        assertThat(AnswerCoverage.coverage("Adoption agencies in Boston", pack)).isEqualTo(2.0 / 3);
        assertThat(AnswerCoverage.coverage("the", pack)).isNull();
    }
}
