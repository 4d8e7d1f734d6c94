package dev.memlog.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rendering of the chart runs its pods non-root, probed and bounded, with the objects an operator expects. */
class ChartObjectsTest {
    @org.junit.jupiter.api.io.TempDir
    Path dir;

    /** The default values and every ci/*-values.yaml variant. */
    static Stream<String> variants() throws IOException {
        try (Stream<Path> files = Files.list(Chart.DIR.resolve("ci"))) {
            List<String> ci = files.map(p -> "ci/" + p.getFileName()).filter(n -> n.endsWith("-values.yaml")).sorted().toList();
            assertThat(ci).hasSizeGreaterThanOrEqualTo(3);
            return Stream.concat(Stream.of("values.yaml"), ci.stream());
        }
    }

    @ParameterizedTest
    @MethodSource("variants")
    void lintPassesStrictlyOnEveryVariant(String values) throws IOException {
        LintResult lint = Chart.withDefaults(values, dir).lint().strict().call();
        assertThat(lint.isFailed()).as(values + ":\n" + String.join("\n", lint.getMessages())).isFalse();
    }

    @Test
    void theDefaultValuesRenderEveryKindOfObject() {
        Chart.Rendered chart = Chart.render("values.yaml");
        assertThat(chart.all(Deployment.class)).extracting(d -> d.getMetadata().getName())
                .containsExactlyInAnyOrder("memlog-ingest", "memlog-query", "memlog-schema-registry", "memlog-mcp");
        assertThat(chart.all(StatefulSet.class)).extracting(s -> s.getMetadata().getName()).containsExactly("memlog-consolidation");
        assertThat(chart.all(Service.class)).extracting(s -> s.getMetadata().getName()).containsExactlyInAnyOrder(
                "memlog-ingest", "memlog-query", "memlog-schema-registry", "memlog-mcp", "memlog-consolidation",
                "memlog-consolidation-headless");
        assertThat(chart.all(HorizontalPodAutoscaler.class)).extracting(h -> h.getSpec().getScaleTargetRef().getName())
                .containsExactlyInAnyOrder("memlog-ingest", "memlog-query");
        assertThat(chart.all(PodDisruptionBudget.class)).hasSize(5);
        assertThat(chart.all(NetworkPolicy.class)).hasSize(5);
        assertThat(chart.ofKind("ServiceMonitor")).hasSize(5);
        assertThat(chart.ofKind("KafkaTopic")).isNotEmpty();
        assertThat(chart.ofKind("KafkaUser")).hasSize(1);
        assertThat(chart.ofKind("PrometheusRule")).hasSize(1);
        assertThat(chart.ofKind("ConfigMap")).extracting(c -> c.getMetadata().getName()).contains("memlog-dashboard");
    }

    @ParameterizedTest
    @MethodSource("variants")
    void everyContainerIsProbedBoundedAndNonRoot(String values) {
        Chart.Rendered chart = Chart.render(values);
        List<PodSpec> pods = podSpecs(chart);
        assertThat(pods).isNotEmpty();
        for (PodSpec pod : pods) {
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
            assertThat(pod.getAutomountServiceAccountToken()).isFalse();
            for (Container c : pod.getContainers()) {
                String what = values + ": container " + c.getName();
                assertThat(c.getStartupProbe()).as(what + " startup probe").isNotNull();
                assertThat(c.getStartupProbe().getHttpGet().getPath()).as(what).isEqualTo("/health/started");
                assertThat(c.getLivenessProbe().getHttpGet().getPath()).as(what).isEqualTo("/health/live");
                assertThat(c.getReadinessProbe().getHttpGet().getPath()).as(what).isEqualTo("/health/ready");
                // probes reach the management port, which the container declares
                assertThat(c.getPorts()).extracting(p -> p.getName()).contains("http", "management");
                assertThat(c.getResources().getRequests()).as(what + " requests").containsKeys("cpu", "memory");
                assertThat(c.getResources().getLimits()).as(what + " limits").containsKey("memory");
                assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as(what).isFalse();
                assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as(what).isTrue();
                assertThat(c.getSecurityContext().getCapabilities().getDrop()).as(what).contains("ALL");
                assertThat(c.getSecurityContext().getRunAsUser()).as(what + " overrides the pod's user").isNull();
                // a read-only root needs a writable /tmp: the JVM and the ONNX runtime unpack native code there
                assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/tmp");
                assertThat(c.getImage()).as(what).matches(".+/memlog-[a-z-]+:.+");
                assertThat(env(c)).as(what).containsKeys("KAFKA_BOOTSTRAP_SERVERS", "SCHEMA_REGISTRY_URL", "MANAGEMENT_PORT");
                assertThat(c.getEnvFrom()).as(what + " takes its credentials from the Secret").isNotEmpty();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("variants")
    void everyVariableTheChartSetsIsOneTheServicesRead(String values) throws IOException {
        String configuration = Files.readString(Chart.DIR.resolve("../../../docs/configuration.md"));
        Set<String> documented = Pattern.compile("`([A-Z][A-Z0-9_]+)`").matcher(configuration).results()
                .map(m -> m.group(1)).collect(Collectors.toSet());
        for (PodSpec pod : podSpecs(Chart.render(values))) {
            for (Container c : pod.getContainers()) {
                for (String name : env(c).keySet()) {
                    if (!name.startsWith("KAFKA_") && !name.startsWith("POD_")) {
                        assertThat(documented).as(values + ": " + c.getName() + " sets " + name).contains(name);
                    }
                }
            }
        }
    }

    @Test
    void consolidationIsAStatefulSetWithItsOwnStateNameAndAdvertisedServer() {
        StatefulSet consolidation = Chart.render("values.yaml").named(StatefulSet.class, "memlog-consolidation");
        assertThat(consolidation.getSpec().getServiceName()).isEqualTo("memlog-consolidation-headless");
        assertThat(consolidation.getSpec().getVolumeClaimTemplates()).extracting(v -> v.getMetadata().getName()).containsExactly("state");
        Container c = consolidation.getSpec().getTemplate().getSpec().getContainers().getFirst();
        Map<String, String> env = env(c);
        assertThat(env.get("STREAMS_GROUP_INSTANCE_ID")).isEqualTo("$(POD_NAME)");
        assertThat(env.get("CONSOLIDATION_ADVERTISED_SERVER")).isEqualTo("$(POD_NAME).memlog-consolidation-headless.$(POD_NAMESPACE).svc:8082");
        assertThat(env.get("STREAMS_STANDBY_REPLICAS")).isEqualTo("1");
        assertThat(env.get("STREAMS_STATE_DIR")).isEqualTo("/var/lib/memlog/streams");
        assertThat(c.getVolumeMounts()).extracting(m -> m.getName() + ":" + m.getMountPath()).contains("state:/var/lib/memlog/streams");
        // POD_NAME is defined before the variables that refer to it, or Kubernetes leaves $(POD_NAME) as it is
        List<String> order = c.getEnv().stream().map(EnvVar::getName).toList();
        assertThat(order.indexOf("POD_NAME")).isLessThan(order.indexOf("STREAMS_GROUP_INSTANCE_ID"));
    }

    @Test
    void aDerivationIsAConsolidationOfItsOwnBesideTheFirstWithItsEnvOnTopAndNothingShared() {
        Chart.Rendered chart = Chart.render("ci/operators-values.yaml");
        StatefulSet first = chart.named(StatefulSet.class, "memlog-consolidation");
        StatefulSet minilm = chart.named(StatefulSet.class, "memlog-consolidation-minilm");
        assertThat(minilm.getSpec().getReplicas()).isEqualTo(2);
        assertThat(minilm.getSpec().getServiceName()).isEqualTo("memlog-consolidation-minilm-headless");
        // the first consolidation's selector does not take the derivation's pods, nor the other way round
        assertThat(minilm.getSpec().getSelector().getMatchLabels()).containsEntry("app.kubernetes.io/component", "consolidation-minilm");
        assertThat(first.getSpec().getSelector().getMatchLabels()).containsEntry("app.kubernetes.io/component", "consolidation");
        Map<String, String> env = env(minilm.getSpec().getTemplate().getSpec().getContainers().getFirst());
        Map<String, String> firstEnv = env(first.getSpec().getTemplate().getSpec().getContainers().getFirst());
        assertThat(env).containsEntry("DERIVATION", "minilm").containsEntry("EMBEDDING_MODEL", "all-minilm-l6-v2-q")
                .containsEntry("SUMMARIZER", "llm").containsEntry("FACT_EXTRACTOR", "llm")
                .containsEntry("CONSOLIDATION_ADVERTISED_SERVER", "$(POD_NAME).memlog-consolidation-minilm-headless.$(POD_NAMESPACE).svc:8082");
        assertThat(firstEnv).doesNotContainKey("DERIVATION").doesNotContainEntry("EMBEDDING_MODEL", "all-minilm-l6-v2-q");
        assertThat(chart.named(io.fabric8.kubernetes.api.model.Service.class, "memlog-consolidation-minilm-headless").getSpec()
                .getPorts()).extracting(p -> p.getName()).containsExactly("http", "management");
        assertThat(chart.named(NetworkPolicy.class, "memlog-consolidation-minilm").getSpec().getPodSelector().getMatchLabels())
                .containsEntry("app.kubernetes.io/component", "consolidation-minilm");
        Map<String, Map<String, Object>> topics = KafkaTopicsTest.kafkaTopics(chart);
        assertThat(topics).containsKeys("memory.records.minilm", "memory.strength.minilm");
    }

    @Test
    void secretsComeFromExistingSecretsAndKafkaConnectsWithStrimzisCredentials() {
        Chart.Rendered chart = Chart.render("values.yaml");
        Container ingest = chart.named(Deployment.class, "memlog-ingest").getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(ingest.getEnvFrom().getFirst().getSecretRef().getName()).isEqualTo("memlog-credentials");
        EnvVar jaas = ingest.getEnv().stream().filter(e -> e.getName().equals("KAFKA_SASL_JAAS_CONFIG")).findFirst().orElseThrow();
        assertThat(jaas.getValue()).isNull();
        assertThat(jaas.getValueFrom().getSecretKeyRef().getName()).isEqualTo("memlog");
        assertThat(env(ingest)).as("the Topic Operator owns the topics").containsEntry("TOPIC_AUTO_CREATE", "false");
        assertThat(env(Chart.render("ci/external-values.yaml").named(Deployment.class, "memlog-ingest").getSpec().getTemplate()
                .getSpec().getContainers().getFirst())).doesNotContainKey("TOPIC_AUTO_CREATE");
        assertThat(env(ingest)).containsEntry("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
                .containsEntry("KAFKA_BOOTSTRAP_SERVERS", "memlog-kafka-bootstrap:9093")
                .containsEntry("KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/memlog/kafka-ca/ca.crt");
        // no value in any rendering is a credential: only references to Secrets
        for (PodSpec pod : podSpecs(chart)) {
            for (Container c : pod.getContainers()) {
                assertThat(env(c).keySet()).noneMatch(n -> n.contains("PASSWORD") || n.equals("SERVICE_TOKEN") || n.equals("API_KEYS"));
            }
        }
    }

    @Test
    void onlyTheApiPortsOfIngestAndQueryAreOpenBeyondTheRelease() {
        Chart.Rendered chart = Chart.render("values.yaml");
        for (String internal : List.of("memlog-consolidation", "memlog-schema-registry")) {
            NetworkPolicy policy = chart.named(NetworkPolicy.class, internal);
            var apiRule = policy.getSpec().getIngress().getFirst();
            assertThat(apiRule.getFrom()).as(internal).singleElement()
                    .satisfies(peer -> assertThat(peer.getPodSelector().getMatchLabels())
                            .containsEntry("app.kubernetes.io/part-of", "memlog"));
        }
        assertThat(chart.named(NetworkPolicy.class, "memlog-ingest").getSpec().getIngress().getFirst().getFrom()).isNullOrEmpty();
        NetworkPolicy restricted = Chart.render("ci/external-values.yaml").named(NetworkPolicy.class, "memlog-query");
        assertThat(restricted.getSpec().getIngress().getFirst().getFrom()).singleElement()
                .satisfies(peer -> assertThat(peer.getNamespaceSelector().getMatchLabels()).containsEntry("memlog-client", "true"));
    }

    @Test
    void anExternalClusterRendersNoOperatorResources() {
        Chart.Rendered chart = Chart.render("ci/external-values.yaml");
        assertThat(chart.ofKind("KafkaTopic")).isEmpty();
        assertThat(chart.ofKind("KafkaUser")).isEmpty();
        assertThat(chart.ofKind("OpenSearchCluster")).isEmpty();
        assertThat(chart.all(Deployment.class)).extracting(d -> d.getMetadata().getName()).doesNotContain("memlog-schema-registry");
        Container query = chart.named(Deployment.class, "memlog-query").getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(env(query)).containsEntry("SCHEMA_REGISTRY_URL", "https://registry.example.internal:8081")
                .containsEntry("OPENSEARCH_URL", "https://search.example.internal:9200")
                .containsEntry("OPENSEARCH_CA_FILE", "/etc/memlog/opensearch-ca/ca.crt")
                .containsEntry("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256");
        assertThat(query.getEnv()).filteredOn(e -> e.getName().equals("KAFKA_SASL_JAAS_CONFIG")).singleElement()
                .satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("kafka-memlog-jaas"));
    }

    @Test
    void theOperatorVariantMakesAnOpenSearchClusterAndPointsQueryAtIt() {
        Chart.Rendered chart = Chart.render("ci/operators-values.yaml");
        assertThat(chart.ofKind("OpenSearchCluster")).extracting(o -> o.getMetadata().getName()).containsExactly("memlog-opensearch");
        Container query = chart.named(Deployment.class, "memlog-query").getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(env(query)).containsEntry("OPENSEARCH_URL", "https://memlog-opensearch:9200")
                .containsEntry("LLM_BASE_URL", "https://llm.example.internal/v1")
                .containsEntry("ENCRYPTION_KEK_FILE", "/etc/memlog/kek/kek.json");
        HorizontalPodAutoscaler consolidation = chart.all(HorizontalPodAutoscaler.class).stream()
                .filter(h -> h.getSpec().getScaleTargetRef().getKind().equals("StatefulSet")).findFirst().orElseThrow();
        assertThat(consolidation.getSpec().getMaxReplicas()).isEqualTo(12);
    }

    static List<PodSpec> podSpecs(Chart.Rendered chart) {
        return Stream.concat(chart.all(Deployment.class).stream().map(d -> d.getSpec().getTemplate().getSpec()),
                chart.all(StatefulSet.class).stream().map(s -> s.getSpec().getTemplate().getSpec())).toList();
    }

    @Test
    void queryServiceGetsConsolidationsRulesSoThatAnAnalystReplayStartsFromThemItsOwnSettingsWinning() {
        Chart.Rendered chart = Chart.render("ci/operators-values.yaml");
        var query = env(chart.named(Deployment.class, "memlog-query").getSpec().getTemplate().getSpec().getContainers().getFirst());
        assertThat(query).containsEntry("SUMMARIZER", "llm").containsEntry("FACT_EXTRACTOR", "llm").containsEntry("RERANKER", "sentence");
        var ingest = env(chart.named(Deployment.class, "memlog-ingest").getSpec().getTemplate().getSpec().getContainers().getFirst());
        assertThat(ingest).doesNotContainKey("SUMMARIZER");
    }

    static Map<String, String> env(Container c) {
        Map<String, String> env = new LinkedHashMap<>();
        c.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
        return env;
    }

    @Test
    void theMcpServerCallsIngestAndQueryInsideTheReleaseTakesClientsLikeThemAndCanBeTurnedOff() {
        Chart.Rendered chart = Chart.render("values.yaml");
        var mcp = env(chart.named(Deployment.class, "memlog-mcp").getSpec().getTemplate().getSpec().getContainers().getFirst());
        assertThat(mcp).containsEntry("MCP_PORT", "8084").containsEntry("INGEST_URL", "http://memlog-ingest:8080")
                .containsEntry("QUERY_URL", "http://memlog-query:8083");
        var policy = chart.named(NetworkPolicy.class, "memlog-mcp").getSpec().getIngress().getFirst();
        var query = chart.named(NetworkPolicy.class, "memlog-query").getSpec().getIngress().getFirst();
        assertThat(policy.getFrom()).isEqualTo(query.getFrom());
        assertThat(policy.getPorts().getFirst().getPort().getIntVal()).isEqualTo(8084);

        Chart.Rendered without = Chart.render(List.of("values.yaml"), Map.of("mcp.enabled", false));
        assertThat(without.all(Deployment.class)).extracting(d -> d.getMetadata().getName()).doesNotContain("memlog-mcp");
        assertThat(without.all(Service.class)).extracting(s -> s.getMetadata().getName()).doesNotContain("memlog-mcp");
    }
}
