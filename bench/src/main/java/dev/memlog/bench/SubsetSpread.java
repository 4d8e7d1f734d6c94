package dev.memlog.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How far the pooled figure of any few conversations strays from the pooled figure of all: what a held-out set of
 * that size should expect from sampling alone, since no weight is fitted per conversation.
 */
final class SubsetSpread {
    static final List<String> METRICS = List.of("hit_at_1", "recall_at_10", "ndcg_at_5", "session_hit_at_1",
            "session_ndcg_at_5");

    private SubsetSpread() {
    }

    /**
     * @param byConversation each conversation's metric means and question count "n", as {@link MetricTable#groupsJson()}
     * @param size conversations per subset
     * @param tolerance the distance counted as "within"
     * @return per metric: subsets, share within the tolerance, largest distance; empty if there are too few conversations
     */
    static Map<String, Map<String, Object>> of(Map<String, Map<String, Object>> byConversation, int size, double tolerance) {
        List<Map<String, Object>> rows = List.copyOf(byConversation.values());
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        if (rows.size() <= size) {
            return out;
        }
        List<int[]> subsets = new ArrayList<>();
        choose(rows.size(), size, 0, new int[size], 0, subsets);
        for (String metric : METRICS) {
            double all = pooled(rows, metric, null);
            int within = 0;
            double worst = 0;
            for (int[] subset : subsets) {
                double gap = Math.abs(pooled(rows, metric, subset) - all);
                within += gap <= tolerance + 1e-12 ? 1 : 0;
                worst = Math.max(worst, gap);
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("subsets", subsets.size());
            row.put("share_within", Math.round(10_000.0 * within / subsets.size()) / 10_000.0);
            row.put("max_gap", Math.round(worst * 10_000) / 10_000.0);
            out.put(metric, row);
        }
        return out;
    }

    /** The question-weighted mean of a metric over the given conversations (all when {@code subset} is null). */
    private static double pooled(List<Map<String, Object>> rows, String metric, int[] subset) {
        double sum = 0;
        double n = 0;
        int count = subset == null ? rows.size() : subset.length;
        for (int i = 0; i < count; i++) {
            var row = rows.get(subset == null ? i : subset[i]);
            double questions = ((Number) row.get("n")).doubleValue();
            sum += ((Number) row.get(metric)).doubleValue() * questions;
            n += questions;
        }
        return sum / n;
    }

    private static void choose(int n, int k, int from, int[] picked, int depth, List<int[]> out) {
        if (depth == k) {
            out.add(picked.clone());
            return;
        }
        for (int i = from; i < n; i++) {
            picked[depth] = i;
            choose(n, k, i + 1, picked, depth + 1, out);
        }
    }
}
