package dev.memlog.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;

/** docs/api.md is what ApiReference renders from the services' OpenAPI documents; when it is not, it is rewritten. */
class ApiReferenceTest {
    /** The repository, from platform-common's directory (where Maven runs its tests). */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final List<String> DOCUMENTS = List.of("ingest-service/src/main/resources/openapi/ingest.yaml",
            "query-service/src/main/resources/openapi/query.yaml", "mcp-server/src/main/resources/openapi/mcp.yaml");

    @org.junit.jupiter.api.Test
    void docsApiMdIsRenderedFromTheDocuments() throws Exception {
        var documents = new LinkedHashMap<String, com.fasterxml.jackson.databind.JsonNode>();
        for (String document : DOCUMENTS) {
            documents.put(document, new YAMLMapper().readTree(ROOT.resolve(document).toFile()));
        }
        String rendered = ApiReference.render(documents);
        Path reference = ROOT.resolve("docs/api.md");
        String current = Files.exists(reference) ? Files.readString(reference) : "";
        if (!current.equals(rendered)) {
            Files.writeString(reference, rendered);
        }
        assertThat(current).as("docs/api.md was stale and has been rewritten from the OpenAPI documents: review and commit it")
                .isEqualTo(rendered);
        assertThat(rendered).contains("### POST /v1/turns").contains("### GET /v1/memories/{record_id}/history")
                .contains("#### Error");
    }
}
