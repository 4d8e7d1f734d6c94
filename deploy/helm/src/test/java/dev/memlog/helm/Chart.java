package dev.memlog.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The chart under deploy/helm/memlog, rendered by Helm itself (helm-java) and read back as Kubernetes objects. */
final class Chart {
    static final Path DIR = Path.of(System.getProperty("memlog.chart", "memlog")).toAbsolutePath();
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Chart() {
    }

    static Helm helm() {
        return new Helm(DIR);
    }

    /**
     * A copy of the chart whose defaults are these values merged over its own: helm lint takes no values file, and a
     * variant must lint as cleanly as the defaults.
     */
    static Helm withDefaults(String valuesFile, Path scratch) throws IOException {
        Path copy = scratch.resolve("memlog");
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path file : files.toList()) {
                Path target = copy.resolve(DIR.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        JsonNode merged = merge(YAML.readTree(DIR.resolve("values.yaml").toFile()), YAML.readTree(DIR.resolve(valuesFile).toFile()));
        YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
        return new Helm(copy);
    }

    /** Helm's own rule: maps merge key by key, anything else is replaced. */
    private static JsonNode merge(JsonNode base, JsonNode over) {
        if (!(base instanceof ObjectNode target) || !over.isObject()) {
            return over;
        }
        over.properties().forEach(e -> target.set(e.getKey(),
                target.has(e.getKey()) ? merge(target.get(e.getKey()), e.getValue()) : e.getValue()));
        return target;
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
