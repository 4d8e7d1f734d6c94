package dev.memlog.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rendered PrometheusRule is valid Prometheus rules that fire when they should (promtool), and the dashboard parses. */
class AlertRulesTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path dir;

    @Test
    void promtoolChecksTheRenderedRules() throws Exception {
        writeRenderedRules();
        assertThat(promtool("check", "rules", dir.resolve("rules.yaml").toString())).contains("SUCCESS: 6 rules found");
    }

    @Test
    void promtoolUnitTestsTheAlerts() throws Exception {
        writeRenderedRules();
        try (var test = AlertRulesTest.class.getResourceAsStream("/alerts-test.yaml")) {
            Files.copy(test, dir.resolve("alerts-test.yaml"));
        }
        assertThat(promtool("test", "rules", dir.resolve("alerts-test.yaml").toString())).contains("SUCCESS");
    }

    @Test
    void thresholdsComeFromTheValues() throws Exception {
        var rendered = Chart.render(List.of("values.yaml"), Map.of("metrics.prometheusRule.maxMaterializerLag", 77));
        String rules = YAML.writeValueAsString(((GenericKubernetesResource) rendered.ofKind("PrometheusRule").getFirst())
                .getAdditionalProperties().get("spec"));
        assertThat(rules).contains("memlog_materializer_lag_records) > 77").doesNotContain("__MAX_");
    }

    @Test
    void theDashboardIsGrafanaJsonWhosePanelsQueryMemlogsMetrics() throws Exception {
        ConfigMap dashboard = Chart.render("values.yaml").named(ConfigMap.class, "memlog-dashboard");
        assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
        var json = new ObjectMapper().readTree(dashboard.getData().get("memlog.json"));
        assertThat(json.get("uid").asText()).isEqualTo("memlog-overview");
        List<String> expressions = new ArrayList<>();
        json.get("panels").forEach(panel -> panel.get("targets").forEach(t -> expressions.add(t.get("expr").asText())));
        assertThat(expressions).hasSizeGreaterThanOrEqualTo(10)
                .anyMatch(e -> e.contains("histogram_quantile") && e.contains("memlog_search_seconds_bucket"))
                .anyMatch(e -> e.contains("memlog_materializer_lag_records"))
                .anyMatch(e -> e.contains("memlog_dead_letters_total"));
    }

    private void writeRenderedRules() throws IOException {
        var rule = (GenericKubernetesResource) Chart.render("values.yaml").ofKind("PrometheusRule").getFirst();
        YAML.writeValue(dir.resolve("rules.yaml").toFile(), rule.getAdditionalProperties().get("spec"));
    }

    /** Runs Debian's promtool (package prometheus, which .ci/run installs); its output, or the failure with it. */
    private static String promtool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(promtoolPath()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
        return out;
    }

    private static String promtoolPath() {
        for (String candidate : List.of(System.getenv().getOrDefault("PROMTOOL", ""), "/usr/bin/promtool", "/usr/local/bin/promtool")) {
            if (!candidate.isBlank() && Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new AssertionError("promtool is not installed: apt-get install prometheus (.ci/run does), or set PROMTOOL");
    }
}
