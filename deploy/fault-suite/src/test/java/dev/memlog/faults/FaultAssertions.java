package dev.memlog.faults;

import static org.assertj.core.api.Assertions.assertThat;

/** What every fault scenario must show. */
final class FaultAssertions {
    private FaultAssertions() {
    }

    static void survived(ScenarioResult result) {
        assertThat(result.problems()).as(result.name() + ": what was checked on the way").isEmpty();
        assertThat(result.acknowledged()).as(result.name() + ": appends acknowledged").isPositive();
        assertThat(result.lost()).as(result.name() + ": acknowledged and lost").isZero();
        assertThat(result.duplicated()).as(result.name() + ": copies beyond one").isZero();
        assertThat(result.derived()).as(result.name() + ": searchable turns").isEqualTo(result.acknowledged());
    }
}
