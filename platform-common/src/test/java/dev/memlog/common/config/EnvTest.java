package dev.memlog.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {
    @Test
    void blankValuesFallBackToDefaults() {
        var env = new Env(Map.of("A", " ", "B", "7"));
        assertThat(env.string("A", "d")).isEqualTo("d");
        assertThat(env.integer("B", 1)).isEqualTo(7);
        assertThat(env.integer("C", 1)).isEqualTo(1);
    }

    @Test
    void badNumbersNameTheVariable() {
        assertThatThrownBy(() -> new Env(Map.of("PORT", "eighty")).integer("PORT", 80))
                .hasMessageContaining("PORT").hasMessageContaining("eighty");
    }
}
