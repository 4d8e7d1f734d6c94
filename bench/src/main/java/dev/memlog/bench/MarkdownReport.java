package dev.memlog.bench;

import java.util.List;
import java.util.Map;

/** The results file as the tables the docs show. */
final class MarkdownReport {
    private static final List<String> CATEGORIES = List.of("overall", "1", "2", "3", "4");
    private static final Map<String, String> NAMES = Map.of("overall", "overall", "1", "1 multi-hop", "2", "2 temporal",
            "3", "3 open-domain", "4", "4 single-hop");

    private MarkdownReport() {
    }

    @SuppressWarnings("unchecked")
    static String render(Map<String, Object> result) {
        StringBuilder md = new StringBuilder();
        md.append("# LoCoMo retrieval: ").append(result.get("dataset")).append("\n\n");
        md.append("Date: ").append(result.get("date")).append("  \nMachine: ").append(result.get("machine")).append("  \n");
        md.append("Path: ").append(result.get("path")).append("\n\n");
        Map<String, Object> models = (Map<String, Object>) result.get("models");
        for (var model : models.entrySet()) {
            Map<String, Object> m = (Map<String, Object>) model.getValue();
            md.append("## ").append(model.getKey()).append("\n\n");
            md.append("| method | category | n | Hit@1 | R@5 | R@10 | NDCG@5 | MRR | cover@500 | cover@1500 | sess Hit@1 | sess NDCG@5 |\n");
            md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            Map<String, Object> methods = (Map<String, Object>) m.get("methods");
            for (var method : methods.entrySet()) {
                Map<String, Map<String, Object>> rows = (Map<String, Map<String, Object>>) method.getValue();
                for (String cat : CATEGORIES) {
                    var row = rows.get(cat);
                    if (row == null) {
                        continue;
                    }
                    md.append("| ").append(method.getKey()).append(" | ").append(NAMES.get(cat)).append(" | ").append(row.get("n"));
                    for (String metric : MetricTable.METRICS) {
                        Object v = row.get(metric);
                        md.append(" | ").append(v == null ? "-" : String.format("%.3f", ((Number) v).doubleValue()));
                    }
                    md.append(" |\n");
                }
            }
            Map<String, Map<String, Map<String, Object>>> byConversation =
                    (Map<String, Map<String, Map<String, Object>>>) m.get("by_conversation");
            if (byConversation != null && byConversation.get("hybrid") != null) {
                md.append("\nHybrid per conversation (how far one conversation's figures stray from the pooled ones):\n\n");
                md.append("| conversation | n | Hit@1 | R@10 | NDCG@5 | sess Hit@1 | sess NDCG@5 |\n|---|---|---|---|---|---|---|\n");
                for (var conv : byConversation.get("hybrid").entrySet()) {
                    var row = conv.getValue();
                    md.append("| ").append(conv.getKey()).append(" | ").append(row.get("n"));
                    for (String metric : List.of("hit_at_1", "recall_at_10", "ndcg_at_5", "session_hit_at_1", "session_ndcg_at_5")) {
                        Object v = row.get(metric);
                        md.append(" | ").append(v == null ? "-" : String.format("%.3f", ((Number) v).doubleValue()));
                    }
                    md.append(" |\n");
                }
            }
            Map<String, Map<String, Object>> spread = (Map<String, Map<String, Object>>) m.get("held_out_spread");
            if (spread != null && !spread.isEmpty()) {
                md.append("\nHybrid on every set of three conversations against all (share within 0.03, largest gap): ");
                List<String> parts = new java.util.ArrayList<>();
                spread.forEach((metric, row) -> parts.add(String.format("%s %.0f%%, %.3f", metric,
                        100 * ((Number) row.get("share_within")).doubleValue(), ((Number) row.get("max_gap")).doubleValue())));
                md.append(String.join("; ", parts)).append('\n');
            }
            if (m.get("search_latency_by_method_ms") != null) {
                md.append("\nSearch latency while scoring, by method (ms, k = 30, concurrent): ")
                        .append(m.get("search_latency_by_method_ms")).append('\n');
            }
            md.append("\nLatency (ms): ").append(m.get("latency_ms")).append("  \nIngest: ").append(m.get("ingest")).append("\n\n");
        }
        return md.toString();
    }
}
