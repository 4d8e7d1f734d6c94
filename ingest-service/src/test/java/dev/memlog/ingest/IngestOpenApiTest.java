package dev.memlog.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.http.OpenApiContract;
import org.junit.jupiter.api.Test;

/** ingest-service's OpenAPI document is well made: it parses with no message, is OpenAPI 3.1, keeps the conventions. */
class IngestOpenApiTest {
    @Test
    void theDocumentParsesCleanlyAsOpenApi31AndKeepsTheConventions() {
        var contract = OpenApiContract.load(IngestContractIT.SPEC);
        assertThat(contract.parserMessages()).isEmpty();
        assertThat(contract.document().path("openapi").asText()).startsWith("3.1.");
        assertThat(contract.operations()).hasSizeGreaterThanOrEqualTo(12);
        assertThat(contract.conventionViolations()).isEmpty();
    }
}
