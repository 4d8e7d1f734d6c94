package dev.memlog.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SubsetSpreadTest {

    static Map<String, Object> row(double value, long n) {
        Map<String, Object> row = new LinkedHashMap<>();
        SubsetSpread.METRICS.forEach(m -> row.put(m, value));
        row.put("n", n);
        return row;
    }

    @Test
    void everySubsetIsComparedWithThePooledFigure() {
        Map<String, Map<String, Object>> conversations = new LinkedHashMap<>();
        conversations.put("a", row(0.5, 100));
        conversations.put("b", row(0.5, 100));
        conversations.put("c", row(0.5, 100));
        conversations.put("d", row(0.9, 100));
        // pooled: 0.6; subsets of 3: {a,b,c} = 0.5 (gap 0.1), the three with d = 0.633 (gap 0.033)

        var spread = SubsetSpread.of(conversations, 3, 0.05);

        var hit = spread.get("hit_at_1");
        assertThat(hit.get("subsets")).isEqualTo(4);
        assertThat(hit.get("share_within")).isEqualTo(0.75);
        assertThat((double) hit.get("max_gap")).isEqualTo(0.1);
    }

    @Test
    void questionCountsWeighTheConversations() {
        Map<String, Map<String, Object>> conversations = new LinkedHashMap<>();
        conversations.put("big", row(1.0, 300));
        conversations.put("small", row(0.0, 100));
        // pooled 0.75; each single conversation strays by 0.25 or 0.75
        var spread = SubsetSpread.of(conversations, 1, 0.3);
        assertThat(spread.get("ndcg_at_5").get("share_within")).isEqualTo(0.5);
        assertThat(spread.get("ndcg_at_5").get("max_gap")).isEqualTo(0.75);
        assertThat(SubsetSpread.of(conversations, 2, 0.03)).isEmpty();
    }
}
