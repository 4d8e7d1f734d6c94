package dev.memlog.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.faults.fuzz.FuzzTally;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint of every service (ingest, query, consolidation, the schema registry) fuzzed over real HTTP on the
 * real stack: no 5xx, every 4xx a JSON message naming the problem, and the stack still consolidates a turn afterwards.
 */
class FuzzIT {
    @TempDir
    Path dir;

    @Test
    void tenThousandHostileRequestsGetNo5xxAndEvery4xxSaysWhatWasWrong() throws Exception {
        FuzzTally tally = FaultSuite.fuzz(dir, FaultSuite.FUZZ_REQUESTS, System.out::println);
        FaultReport.write(Path.of("target", "faults"), "fuzz", List.of(), tally, "test run");

        assertThat(tally.problems()).as("answers that broke a rule").isEmpty();
        assertThat(tally.requests()).isGreaterThanOrEqualTo(FaultSuite.FUZZ_REQUESTS);
        assertThat(tally.status5xx()).isZero();
        assertThat(tally.status4xxWithoutMessage()).isZero();
        assertThat(tally.byService()).containsOnlyKeys("ingest", "query", "consolidation", "registry")
                .allSatisfy((service, n) -> assertThat(n).as(service).isGreaterThan(500));
        assertThat(tally.status4xx()).as("the generated requests are mostly wrong ones").isGreaterThan(tally.requests() / 3);
        assertThat(tally.consolidatedAfter()).as("a normal turn is searchable after the fuzz").isTrue();
    }
}
