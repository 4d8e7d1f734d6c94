package dev.memlog.faults;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.memlog.common.http.Json;
import dev.memlog.faults.fuzz.FuzzTally;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;

/** The fault suite's results as bench/results/faults-latest.json and .md: every scenario's counts, and the fuzz's. */
public final class FaultReport {
    private FaultReport() {
    }

    public static ObjectNode json(List<ScenarioResult> scenarios, FuzzTally fuzz, String machine) {
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("date", LocalDate.now().toString());
        out.put("machine", machine);
        ObjectNode all = out.putObject("scenarios");
        for (ScenarioResult r : scenarios) {
            ObjectNode s = all.putObject(r.name());
            s.put("fault", r.fault());
            s.put("events", r.events());
            s.put("acknowledged", r.acknowledged());
            s.put("derived", r.derived());
            s.put("lost", r.lost());
            s.put("duplicated", r.duplicated());
            s.put("recovery_seconds", r.recoverySeconds());
            ObjectNode statuses = s.putObject("append_statuses");
            r.statuses().forEach((status, n) -> statuses.put(Integer.toString(status), n));
            var problems = s.putArray("problems");
            r.problems().forEach(problems::add);
        }
        if (fuzz != null) {
            ObjectNode f = out.putObject("fuzz");
            f.put("requests", fuzz.requests());
            f.put("status_5xx", fuzz.status5xx());
            f.put("status_4xx_without_message", fuzz.status4xxWithoutMessage());
            f.put("status_2xx", fuzz.status2xx());
            f.put("status_4xx", fuzz.status4xx());
            f.put("resent_after_idle_close", fuzz.staleConnections());
            ObjectNode byService = f.putObject("requests_by_service");
            fuzz.byService().forEach(byService::put);
            var examples = f.putArray("problems");
            fuzz.problems().stream().limit(20).forEach(examples::add);
            f.put("consolidated_after", fuzz.consolidatedAfter());
        }
        return out;
    }

    public static String markdown(List<ScenarioResult> scenarios, FuzzTally fuzz, String machine) {
        StringBuilder md = new StringBuilder("# Faults and fuzz (" + LocalDate.now() + ", " + machine + ")\n\n");
        md.append("| scenario | events | acknowledged | derived | lost | duplicated | recovery (s) | append answers |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        for (ScenarioResult r : scenarios) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %.1f | %s |%n", r.name(), r.events(),
                    r.acknowledged(), r.derived(), r.lost(), r.duplicated(), r.recoverySeconds(), r.statuses()));
        }
        md.append('\n');
        for (ScenarioResult r : scenarios) {
            md.append("- **").append(r.name()).append("**: ").append(r.fault())
                    .append(r.problems().isEmpty() ? "" : "; problems: " + r.problems()).append('\n');
        }
        if (fuzz != null) {
            md.append("\n| fuzz requests | 2xx | 4xx | 5xx | 4xx without a message | a normal turn consolidated after |\n");
            md.append("|---|---|---|---|---|---|\n");
            md.append(String.format(Locale.ROOT, "| %d %s | %d | %d | %d | %d | %s |%n", fuzz.requests(), fuzz.byService(),
                    fuzz.status2xx(), fuzz.status4xx(), fuzz.status5xx(), fuzz.status4xxWithoutMessage(),
                    fuzz.consolidatedAfter() ? "yes" : "no"));
        }
        return md.toString();
    }

    public static void write(Path dir, String name, List<ScenarioResult> scenarios, FuzzTally fuzz, String machine) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name + ".json"),
                Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(json(scenarios, fuzz, machine)) + "\n");
        Files.writeString(dir.resolve(name + ".md"), markdown(scenarios, fuzz, machine));
    }
}
