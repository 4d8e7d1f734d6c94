package dev.memlog.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.auth.ApiKeys;
import dev.memlog.common.http.Json;
import dev.memlog.consolidation.EpisodeRecorder;
import dev.memlog.schemas.avro.MemoryTier;
import dev.memlog.stack.LocalStack;
import dev.memlog.client.MemoryClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs {@link LifecycleWorkload} through the real platform twice, strength off and on, and reports whether the notes
 * an agent keeps using outrank their never-used twins, whether changed facts answer with their current value, and how
 * many memories are live against how many were ever made, month by month. Writes bench/results/&lt;name&gt;.json and .md.
 */
final class LifecycleBenchmark {
    static final String TENANT = "lifecycle";
    static final String KEY = "lifecycle-key-" + java.util.UUID.randomUUID();
    static final String OWNER = "lifecycle-user";

    /** A run's settings: strength off (no forgetting, no weight) or on. */
    record Setting(String label, Map<String, String> env) {
    }

    record Options(int months, double strengthWeight, Path outDir, String name) {
        static Options parse(List<String> args) {
            int months = 18;
            double weight = 0.1;
            Path out = Path.of("bench/results");
            String name = "lifecycle-latest";
            for (int i = 0; i < args.size(); i++) {
                switch (args.get(i)) {
                    case "--months" -> months = Integer.parseInt(args.get(++i));
                    case "--strength-weight" -> weight = Double.parseDouble(args.get(++i));
                    case "--out" -> out = Path.of(args.get(++i));
                    case "--name" -> name = ResultFiles.checkedName(args.get(++i));
                    default -> throw new IllegalArgumentException("unknown option " + args.get(i)
                            + "; use lifecycle --months N --strength-weight W --out DIR --name NAME");
                }
            }
            return new Options(months, weight, out, name);
        }
    }

    private final Options options;
    private final PrintStream out = System.out;

    LifecycleBenchmark(Options options) {
        this.options = options;
    }

    void run() throws Exception {
        var settings = List.of(
                new Setting("strength off", Map.of("FACT_EXTRACTOR", "rules", "FORGETTING", "false", "STRENGTH_WEIGHT", "0")),
                new Setting("strength on", Map.of("FACT_EXTRACTOR", "rules", "FORGETTING", "true",
                        "STRENGTH_WEIGHT", Double.toString(options.strengthWeight()))));
        Map<String, Object> runs = new LinkedHashMap<>();
        for (Setting s : settings) {
            runs.put(s.label(), run(s));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("workload", Map.of("months", options.months(), "pairs", LifecycleWorkload.PAIRS.size(),
                "changing_facts", LifecycleWorkload.CHANGING.size(), "uses_every_days", LifecycleWorkload.USE_EVERY.toDays()));
        result.put("date", Instant.now().toString());
        result.put("runs", runs);
        ResultFiles.write(options.outDir(), options.name(), result, report(result), out);
    }

    private Map<String, Object> run(Setting setting) throws Exception {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "memlog-lifecycle-" + ProcessHandle.current().pid()
                + "-" + setting.label().replace(' ', '-'));
        var config = new LocalStack.Config(dir, 0, 0, 0, 0, 0, 0, ApiKeys.of(Map.of(KEY, TENANT)), "bge-small-en-v1.5-q", 3,
                setting.env());
        out.printf("%n== lifecycle workload, %s: starting the stack%n", setting.label());
        var workload = new LifecycleWorkload(options.months(), 42);
        try (var stack = new LocalStack(config, line -> out.println("   " + line.strip()))) {
            var client = new MemoryClient(stack.ingestUrl(), stack.queryUrl(), KEY);
            List<Map<String, Object>> growth = new ArrayList<>();
            long appended = 0;
            Map<String, String> noteIds = new LinkedHashMap<>();
            for (int month = 0; month < options.months(); month++) {
                var turns = workload.turns(month);
                appended += append(client, month, turns, noteIds);
                awaitConsolidated(client, appended);
                for (var use : workload.uses(month)) {
                    use(client, use, noteIds.get(use.pair().used()));
                }
                JsonNode stats = client.stats(OWNER);
                growth.add(Map.of("month", month + 1, "appended", appended, "live", stats.path("records").asLong(),
                        "forgotten", stats.path("forgotten").asLong()));
                out.printf("   month %d: %d turns appended, %d memories live, %d forgotten%n", month + 1, appended,
                        stats.path("records").asLong(), stats.path("forgotten").asLong());
            }
            Thread.sleep(2000);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("settings", setting.env());
            result.put("pairs", pairs(client, workload, noteIds));
            result.put("changing_facts", changing(client, workload));
            result.put("growth", growth);
            return result;
        }
    }

    /** Appends the month's turns in one batch per day; remembers the record ids of the notes. */
    private long append(MemoryClient client, int month, List<LifecycleWorkload.Turn> turns, Map<String, String> noteIds)
            throws IOException {
        ObjectNode batch = Json.mapper().createObjectNode();
        ArrayNode array = batch.putArray("turns");
        int i = 0;
        for (var t : turns) {
            String eventId = "m" + month + "-" + i++;
            array.addObject().put("event_id", eventId).put("user_id", OWNER).put("session_id", "day-" + t.at().toString().substring(0, 10))
                    .put("role", "user").put("content", t.text()).put("timestamp", t.at().toString())
                    .putObject("metadata").put("kind_of_turn", t.kind());
            if (t.kind().equals("note")) {
                noteIds.put(t.text(), EpisodeRecorder.recordId(TENANT, eventId, MemoryTier.EPISODIC));
            }
            if (array.size() == 500) {
                client.appendTurns(batch);
                array.removeAll();
            }
        }
        if (!array.isEmpty()) {
            client.appendTurns(batch);
        }
        return turns.size();
    }

    /** Until every appended turn is searchable or forgotten and the counts hold still. */
    private void awaitConsolidated(MemoryClient client, long appended) throws IOException, InterruptedException {
        long last = -1;
        int still = 0;
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (still < 2 && System.nanoTime() < deadline) {
            JsonNode stats = client.stats(OWNER);
            long total = stats.path("records").asLong() + stats.path("forgotten").asLong();
            still = total >= appended && total == last ? still + 1 : 0;
            last = total;
            Thread.sleep(1000);
        }
    }

    /** The agent looks the note up as of the moment and reports the one it relies on as used, when it is found. */
    private void use(MemoryClient client, LifecycleWorkload.Use use, String recordId) throws IOException {
        JsonNode hits = client.search(Json.mapper().createObjectNode().put("query", use.pair().question()).put("user_id", OWNER)
                .put("k", 10).put("as_of", use.at().toString())).path("hits");
        if (hits.findValuesAsText("record_id").contains(recordId)) {
            ObjectNode report = Json.mapper().createObjectNode().put("user_id", OWNER).put("signal", "used")
                    .put("timestamp", use.at().toString());
            report.putArray("record_ids").add(recordId);
            client.feedback(report);
        }
    }

    private Map<String, Object> pairs(MemoryClient client, LifecycleWorkload workload, Map<String, String> noteIds)
            throws IOException {
        int hits = 0;
        double reciprocal = 0;
        int unusedForgotten = 0;
        List<Map<String, Object>> each = new ArrayList<>();
        for (var p : LifecycleWorkload.PAIRS) {
            List<String> ranked = search(client, p.question(), workload.end()).findValuesAsText("record_id");
            int usedRank = ranked.indexOf(noteIds.get(p.used())) + 1;
            int unusedRank = ranked.indexOf(noteIds.get(p.unused())) + 1;
            boolean gone = !client.history(OWNER, noteIds.get(p.unused())).path("live").asBoolean(true);
            hits += usedRank == 1 ? 1 : 0;
            reciprocal += usedRank == 0 ? 0 : 1.0 / usedRank;
            unusedForgotten += gone ? 1 : 0;
            each.add(Map.of("question", p.question(), "used_rank", usedRank, "unused_rank", unusedRank, "unused_forgotten", gone));
        }
        int n = LifecycleWorkload.PAIRS.size();
        return Map.of("n", n, "used_first", round((double) hits / n), "mrr_used", round(reciprocal / n),
                "unused_forgotten", unusedForgotten, "each", each);
    }

    private Map<String, Object> changing(MemoryClient client, LifecycleWorkload workload) throws IOException {
        int current = 0;
        double reciprocal = 0;
        List<Map<String, Object>> each = new ArrayList<>();
        for (var c : LifecycleWorkload.CHANGING) {
            List<String> texts = search(client, c.question(), workload.end()).findValuesAsText("text");
            String value = workload.currentValue(c).toLowerCase(Locale.ROOT);
            int rank = 0;
            for (int i = 0; i < texts.size() && rank == 0; i++) {
                if (texts.get(i).toLowerCase(Locale.ROOT).contains(value)) {
                    rank = i + 1;
                }
            }
            current += rank == 1 ? 1 : 0;
            reciprocal += rank == 0 ? 0 : 1.0 / rank;
            each.add(Map.of("question", c.question(), "current_value", workload.currentValue(c), "rank", rank,
                    "top", texts.isEmpty() ? "" : texts.getFirst()));
        }
        int n = LifecycleWorkload.CHANGING.size();
        return Map.of("n", n, "current_first", round((double) current / n), "mrr_current", round(reciprocal / n), "each", each);
    }

    private static JsonNode search(MemoryClient client, String question, Instant at) throws IOException {
        return client.search(Json.mapper().createObjectNode().put("query", question).put("user_id", OWNER).put("k", 10)
                .put("as_of", at.toString())).path("hits");
    }

    @SuppressWarnings("unchecked")
    static String report(Map<String, Object> result) {
        StringBuilder md = new StringBuilder("# Memory lifecycle: synthetic workload\n\n");
        md.append("Date: ").append(result.get("date")).append("  \nWorkload: ").append(result.get("workload")).append("\n\n");
        Map<String, Map<String, Object>> runs = (Map<String, Map<String, Object>>) result.get("runs");
        md.append("| setting | used note first | MRR used note | never-used twin forgotten | current value first | MRR current value |"
                + " live at the end | forgotten at the end |\n|---|---|---|---|---|---|---|---|\n");
        runs.forEach((label, run) -> {
            var pairs = (Map<String, Object>) run.get("pairs");
            var changing = (Map<String, Object>) run.get("changing_facts");
            var growth = (List<Map<String, Object>>) run.get("growth");
            var last = growth.getLast();
            md.append("| ").append(label).append(" | ").append(pairs.get("used_first")).append(" | ").append(pairs.get("mrr_used"))
                    .append(" | ").append(pairs.get("unused_forgotten")).append("/").append(pairs.get("n"))
                    .append(" | ").append(changing.get("current_first")).append(" | ").append(changing.get("mrr_current"))
                    .append(" | ").append(last.get("live")).append(" | ").append(last.get("forgotten")).append(" |\n");
        });
        md.append("\nLive memories against turns appended, month by month:\n\n| month | appended |");
        runs.keySet().forEach(label -> md.append(" live (").append(label).append(") |"));
        md.append(" forgotten (strength on) |\n|---|---|");
        runs.keySet().forEach(label -> md.append("---|"));
        md.append("---|\n");
        List<List<Map<String, Object>>> growths = runs.values().stream().map(r -> (List<Map<String, Object>>) r.get("growth")).toList();
        for (int m = 0; m < growths.getFirst().size(); m++) {
            md.append("| ").append(growths.getFirst().get(m).get("month")).append(" | ").append(growths.getFirst().get(m).get("appended"));
            for (var g : growths) {
                md.append(" | ").append(g.get(m).get("live"));
            }
            md.append(" | ").append(growths.getLast().get(m).get("forgotten")).append(" |\n");
        }
        return md.toString();
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
