package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.common.http.ApiException;
import dev.memlog.schemas.Derivation;
import org.junit.jupiter.api.Test;

class RebuildRoutesTest {
    final RebuildRoutes routes = new RebuildRoutes(r -> null, QueryService::loadable);

    @Test
    void noBodyRebuildsTheDerivationInUseAndABodyNamesAnother() {
        assertThat(routes.request(null)).isEqualTo(GenerationRebuild.Request.same());
        assertThat(routes.request(" ")).isEqualTo(GenerationRebuild.Request.same());
        assertThat(routes.request("{\"derivation\":\"green\",\"embedding_model\":\"all-minilm-l6-v2-q\","
                + "\"consolidation_group\":\"memlog-consolidation-green\"}"))
                .isEqualTo(new GenerationRebuild.Request(Derivation.of("green"), "all-minilm-l6-v2-q", "memlog-consolidation-green"));
    }

    @Test
    void everyHostileFieldIsRefusedByName() {
        String[][] cases = {
            {"{\"derivation\":\"Green\"}", "derivation"},
            {"{\"derivation\":\"../x\"}", "derivation"},
            {"{\"derivation\":\"a.b\"}", "derivation"},
            {"{\"derivation\":7}", "derivation"},
            {"{\"embedding_model\":\"gpt-4\"}", "embedding_model"},
            {"{\"embedding_model\":\"" + "x".repeat(10_000) + "\"}", "embedding_model"},
            {"{\"embedding_model\":\"bge\\u0000\"}", "embedding_model"},
            {"{\"consolidation_group\":\"a b\"}", "consolidation_group"},
            {"{\"consolidation_group\":\"(.*)+$\"}", "consolidation_group"},
            {"{\"consolidation_group\":\"\"}", "consolidation_group"},
            {"{\"alias\":\"memlog\"}", "alias"},
            {"{\"\\u0007\":1}", "\\u0007"},
            {"[1]", "body"},
            {"not json \\", "body"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> routes.request(c[0])).as(c[0]).isInstanceOf(ApiException.class)
                    .satisfies(e -> {
                        assertThat(((ApiException) e).status()).isEqualTo(400);
                        assertThat(((ApiException) e).field()).isEqualTo(c[1]);
                    });
        }
    }
}
