package dev.memlog.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The chart under deploy/helm/memlog, rendered by Helm itself (helm-java) and read back as Kubernetes objects. */
final class Chart {
    static final Path DIR = Path.of(System.getProperty("memlog.chart", "memlog")).toAbsolutePath();
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Chart() {
    }

    static Helm helm() {
        return new Helm(DIR);
    }

    /** The objects `helm template` renders with these values files (relative to the chart) and settings. */
    static Rendered render(List<String> valuesFiles, Map<String, Object> settings) {
        TemplateCommand template = helm().template().withName("memlog").withNamespace("agents");
        valuesFiles.forEach(file -> template.withValuesFile(DIR.resolve(file)));
        settings.forEach(template::set);
        return new Rendered(parse(template.call()));
    }

    static Rendered render(String... valuesFiles) {
        return render(List.of(valuesFiles), Map.of());
    }

    static List<HasMetadata> parse(String manifests) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : manifests.split("(?m)^---\\s*$")) {
            String body = document.lines().filter(line -> !line.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
            if (!body.isBlank()) {
                objects.add(SERIALIZATION.unmarshal(document, HasMetadata.class));
            }
        }
        return objects;
    }

    /** What one rendering holds. */
    record Rendered(List<HasMetadata> objects) {
        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        List<HasMetadata> ofKind(String kind) {
            return objects.stream().filter(o -> o.getKind().equals(kind)).toList();
        }

        <T extends HasMetadata> T named(Class<T> type, String name) {
            return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name + " in "
                            + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList()));
        }
    }
}
