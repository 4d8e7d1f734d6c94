package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.memlog.common.http.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class MemoryListRoutesTest {
    static String encoded(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aCursorIsOnlyThePreviousPagesLastSortValues() {
        assertThat(MemoryListRoutes.cursor(encoded("[1690880400000,\"tt-eve-garden\"]")).toString())
                .isEqualTo("[1690880400000,\"tt-eve-garden\"]");
        for (String hostile : new String[] {"not base64 $", encoded("{\"script\":{\"source\":\"x\"}}"),
                encoded("[1,\"a\",3]"), encoded("[\"1\",\"a\"]"), encoded("[1,\"a\\u0000b\"]"), encoded("[1,\"" + "x".repeat(200) + "\"]"),
                encoded("[1, {\"match_all\":{}}]"), encoded("\u0000\u0001"),
                // a time the index cannot sort after: refused here, not a 500 from the index
                encoded("[99999999999999999999999999,\"a\"]"), encoded("[9223372036854775807,\"a\"]"),
                encoded("[-9223372036854775808,\"a\"]")}) {
            assertThatThrownBy(() -> MemoryListRoutes.cursor(hostile)).as(hostile).isInstanceOf(ApiException.class)
                    .extracting(e -> ((ApiException) e).field()).isEqualTo("cursor");
        }
    }

    @Test
    void limitAndTierAreCheckedNamingTheParameter() {
        assertThat(MemoryListRoutes.limit(null)).isEqualTo(50);
        assertThat(MemoryListRoutes.limit("200")).isEqualTo(200);
        for (String bad : new String[] {"0", "201", "-1", "1e3", "99999999999", "ten", ""}) {
            assertThatThrownBy(() -> MemoryListRoutes.limit(bad)).as(bad).extracting(e -> ((ApiException) e).field()).isEqualTo("limit");
        }
        assertThat(MemoryListRoutes.tier("semantic")).isEqualTo("SEMANTIC");
        assertThat(MemoryListRoutes.tier(null)).isNull();
        assertThatThrownBy(() -> MemoryListRoutes.tier("SEMANTIC\" OR 1=1")).extracting(e -> ((ApiException) e).field()).isEqualTo("tier");
    }
}
