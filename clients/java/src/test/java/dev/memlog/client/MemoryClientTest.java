package dev.memlog.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MemoryClientTest {
    @Test
    void parametersAndPathSegmentsAreEncodedSoNoValueCanReshapeTheRequest() {
        var params = new LinkedHashMap<String, String>();
        params.put("user_id", "ann&agent_id=other");
        params.put("tier", null);
        params.put("cursor", "a b+c/=?#");
        assertThat(MemoryClient.queryString(params)).isEqualTo("?user_id=ann%26agent_id%3Dother&cursor=a+b%2Bc%2F%3D%3F%23");
        assertThat(MemoryClient.queryString(Map.of())).isEmpty();
        assertThat(MemoryClient.segment("../admin/rebuild x")).isEqualTo("..%2Fadmin%2Frebuild%20x");
        assertThat(MemoryClient.query("user_id", "ann", "agent_id", null, "limit", "5")).containsExactly(
                Map.entry("user_id", "ann"), Map.entry("limit", "5"));
    }
}
