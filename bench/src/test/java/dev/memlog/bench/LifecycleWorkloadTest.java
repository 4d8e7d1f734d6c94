package dev.memlog.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LifecycleWorkloadTest {

    @Test
    void theSameSeedGivesTheSameHistoryInTimeOrder() {
        var a = new LifecycleWorkload(18, 42);
        var b = new LifecycleWorkload(18, 42);
        for (int month = 0; month < 18; month++) {
            var turns = a.turns(month);
            assertThat(turns).isEqualTo(b.turns(month));
            assertThat(turns).isSortedAccordingTo(java.util.Comparator.comparing(LifecycleWorkload.Turn::at));
            // six turns a day, plus the notes and fact changes that fall in the month
            assertThat(turns.size()).isGreaterThanOrEqualTo(6 * LifecycleWorkload.DAYS_PER_MONTH);
        }
    }

    @Test
    void everyNoteAppearsOnceWithItsTwinAndIsUsedEveryTwoWeeksAfterwards() {
        var workload = new LifecycleWorkload(18, 1);
        List<LifecycleWorkload.Turn> all = new ArrayList<>();
        List<LifecycleWorkload.Use> uses = new ArrayList<>();
        for (int month = 0; month < 18; month++) {
            all.addAll(workload.turns(month));
            uses.addAll(workload.uses(month));
        }
        for (var pair : LifecycleWorkload.PAIRS) {
            assertThat(all).filteredOn(t -> t.text().equals(pair.used())).hasSize(1);
            assertThat(all).filteredOn(t -> t.text().equals(pair.unused())).hasSize(1);
            var mine = uses.stream().filter(u -> u.pair() == pair).map(LifecycleWorkload.Use::at).toList();
            var said = all.stream().filter(t -> t.text().equals(pair.used())).findFirst().orElseThrow().at();
            assertThat(mine).isNotEmpty().allMatch(at -> at.isAfter(said));
            for (int i = 1; i < mine.size(); i++) {
                assertThat(Duration.between(mine.get(i - 1), mine.get(i))).isEqualTo(LifecycleWorkload.USE_EVERY);
            }
        }
    }

    @Test
    void aChangingFactsCurrentValueIsTheLastStatedWithinTheRun() {
        var home = LifecycleWorkload.CHANGING.getFirst();
        assertThat(new LifecycleWorkload(18, 1).currentValue(home)).isEqualTo("Bath");
        assertThat(new LifecycleWorkload(9, 1).currentValue(home)).isEqualTo("York");
        assertThat(new LifecycleWorkload(3, 1).currentValue(home)).isEqualTo("Leeds");
    }
}
