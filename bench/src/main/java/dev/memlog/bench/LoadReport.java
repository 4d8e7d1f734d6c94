package dev.memlog.bench;

import java.util.List;
import java.util.Map;

/** The load benchmark's results as the tables docs/benchmarks.md shows. */
final class LoadReport {
    private LoadReport() {
    }

    @SuppressWarnings("unchecked")
    static String markdown(Map<String, Object> r) {
        StringBuilder md = new StringBuilder("# Load\n\n");
        md.append("## Retrieval (HTTP /v1/search, embedding included; the engine alone gets the same requests)\n\n");
        md.append("| memories | p50 ms | p95 ms | p99 ms | engine p50 ms | engine p95 ms | p95 / engine | engine with the query's"
                + " embedding p95 ms | p95 / that | qps max (p99 < 150 ms) | stages p50 ms |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        ((Map<String, Map<String, Object>>) r.get("retrieval")).forEach((size, at) -> md.append("| ").append(size).append(" | ")
                .append(at.get("p50")).append(" | ").append(at.get("p95")).append(" | ").append(at.get("p99")).append(" | ")
                .append(at.get("opensearch_p50")).append(" | ").append(at.get("opensearch_p95")).append(" | ")
                .append(at.get("p95_vs_opensearch")).append(" | ").append(at.get("opensearch_with_embedding_p95")).append(" | ")
                .append(at.get("p95_vs_opensearch_with_embedding")).append(" | ").append(at.get("qps_max")).append(" | ")
                .append(at.get("stages_p50")).append(" |\n"));
        md.append("\nSaturation (clients searching back to back):\n\n| memories | clients | qps | p50 ms | p99 ms | shed (503) |\n|---|---|---|---|---|---|\n");
        ((Map<String, Map<String, Object>>) r.get("retrieval")).forEach((size, at) -> {
            for (Map<String, Object> level : (List<Map<String, Object>>) at.get("saturation")) {
                md.append("| ").append(size).append(" | ").append(level.get("clients")).append(" | ").append(level.get("qps"))
                        .append(" | ").append(level.get("p50")).append(" | ").append(level.get("p99")).append(" | ")
                        .append(level.get("shed")).append(" |\n");
            }
        });
        Map<String, Object> c = (Map<String, Object>) r.get("consolidation");
        Map<String, Object> s = (Map<String, Object>) r.get("append_to_searchable");
        Map<String, Object> a = (Map<String, Object>) r.get("append");
        Map<String, Object> single = (Map<String, Object>) a.get("single");
        Map<String, Object> raw = (Map<String, Object>) a.get("raw_producer_single");
        Map<String, Object> batch = (Map<String, Object>) a.get("batch");
        md.append("\n## Writes\n\n| measure | value | baseline (same run) | ratio |\n|---|---|---|---|\n");
        md.append("| consolidation (context vector ").append(c.get("context_vector")).append("), texts embedded/s (")
                .append(c.get("vectors_per_turn")).append(" a turn) | ").append(c.get("records_per_s"))
                .append(" | model alone, the same ").append(c.get("model_alone_texts")).append(" texts (").append(c.get("texts_embedded"))
                .append(" embedded) ").append(c.get("model_alone_per_s")).append(" | ").append(c.get("vs_model_alone")).append(" |\n");
        md.append("| consolidation, turns/s | ").append(c.get("turns_per_s")).append(" | model alone, two texts a turn ")
                .append(c.get("model_alone_two_a_turn_turns_per_s")).append(" | ").append(c.get("turns_vs_model_alone_two_a_turn"))
                .append(" |\n");
        md.append("| single append at ").append(single.get("rate_per_s")).append("/s, ack p50 / p99 / p99.9 ms | ")
                .append(single.get("p50_ms")).append(" / ").append(single.get("p99_ms")).append(" / ").append(single.get("p999_ms"))
                .append(" | raw producer ").append(raw.get("p50_ms")).append(" / ").append(raw.get("p99_ms")).append(" / ")
                .append(raw.get("p999_ms")).append(" | p99 ").append(a.get("single_p99_vs_raw")).append(" |\n");
        md.append("| batches of 100, events/s | ").append(batch.get("events_per_s")).append(" | raw producer ")
                .append(a.get("raw_producer_batch_events_per_s")).append(" | ").append(a.get("batch_vs_raw")).append(" |\n");
        md.append("| append to searchable at ").append(s.get("rate_per_s")).append(" turns/s, p50 / p95 ms | ")
                .append(s.get("p50_ms")).append(" / ").append(s.get("p95_ms")).append(" | | ")
                .append(s.get("never_seen")).append(" never seen |\n");
        md.append("\nMemory (MB): ").append(r.get("memory_mb")).append(". Workload: ").append(r.get("workload"))
                .append(". Machine: ").append(r.get("machine")).append("; ").append(r.get("date")).append(".\n");
        return md.toString();
    }
}
