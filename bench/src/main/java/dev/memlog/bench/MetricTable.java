package dev.memlog.bench;

import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Mean of every metric per question category and overall, and overall per group (a conversation); safe to fill
 * from several threads.
 */
public final class MetricTable {
    public static final List<String> METRICS = List.of("hit_at_1", "recall_at_5", "recall_at_10", "ndcg_at_5", "mrr",
            "answer_coverage_500", "answer_coverage_1500", "session_hit_at_1", "session_ndcg_at_5");

    private final Map<String, Map<String, DoubleSummaryStatistics>> byCategory = new TreeMap<>();
    private final Map<String, Map<String, DoubleSummaryStatistics>> byGroup = new TreeMap<>();

    public void add(int category, String metric, Double value) {
        add(category, null, metric, value);
    }

    /** @param group the conversation the question belongs to, or null */
    public synchronized void add(int category, String group, String metric, Double value) {
        if (value == null) {
            return;
        }
        for (String key : List.of("overall", Integer.toString(category))) {
            byCategory.computeIfAbsent(key, k -> new LinkedHashMap<>())
                    .computeIfAbsent(metric, m -> new DoubleSummaryStatistics()).accept(value);
        }
        if (group != null) {
            byGroup.computeIfAbsent(group, k -> new LinkedHashMap<>())
                    .computeIfAbsent(metric, m -> new DoubleSummaryStatistics()).accept(value);
        }
    }

    public synchronized double mean(String category, String metric) {
        var stats = byCategory.getOrDefault(category, Map.of()).get(metric);
        return stats == null ? Double.NaN : stats.getAverage();
    }

    /** {"overall": {metric: mean, ..., "n": questions}, "1": {...}, ...}; means rounded to 4 places. */
    public synchronized Map<String, Map<String, Object>> toJson() {
        List<String> keys = new java.util.ArrayList<>(byCategory.keySet());
        keys.remove("overall");
        keys.addFirst("overall");
        return rows(byCategory, keys);
    }

    /** {group: {metric: mean, ..., "n": questions}} over all categories. */
    public synchronized Map<String, Map<String, Object>> groupsJson() {
        return rows(byGroup, List.copyOf(byGroup.keySet()));
    }

    private static Map<String, Map<String, Object>> rows(Map<String, Map<String, DoubleSummaryStatistics>> table,
                                                         List<String> keys) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (String key : keys) {
            Map<String, Object> row = new LinkedHashMap<>();
            var stats = table.get(key);
            for (String metric : METRICS) {
                var s = stats.get(metric);
                row.put(metric, s == null ? null : Math.round(s.getAverage() * 10_000) / 10_000.0);
            }
            row.put("n", stats.get("hit_at_1") == null ? 0 : stats.get("hit_at_1").getCount());
            out.put(key, row);
        }
        return out;
    }
}
