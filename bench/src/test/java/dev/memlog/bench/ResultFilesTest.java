package dev.memlog.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ResultFilesTest {
    @Test
    void aResultsNameNamesOneFileInTheResultsFolder() {
        assertThat(ResultFiles.checkedName("load-context-mean.v2_1")).isEqualTo("load-context-mean.v2_1");
        for (String hostile : new String[] {"../../etc/passwd", "/tmp/x", ".hidden", "-rf", "a/b", "a\\b", "a\u0000b", "x".repeat(101), ""}) {
            assertThatThrownBy(() -> ResultFiles.checkedName(hostile)).as(hostile).hasMessageStartingWith("--name:");
        }
    }
}
