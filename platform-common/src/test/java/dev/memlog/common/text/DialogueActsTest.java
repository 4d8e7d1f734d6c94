package dev.memlog.common.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DialogueActsTest {

    @Test
    void aTurnAsksWhenItEndsWithAQuestionMarkAnnotationsAside() {
        assertThat(DialogueActs.asks("Where did you go?")).isTrue();
        assertThat(DialogueActs.asks("Look at this! Isn't it nice? [shares a photo: a lake]")).isTrue();
        assertThat(DialogueActs.asks("Did you? I went to Leeds.")).isFalse();
        assertThat(DialogueActs.asks("")).isFalse();
        assertThat(DialogueActs.asks(null)).isFalse();
    }
}
