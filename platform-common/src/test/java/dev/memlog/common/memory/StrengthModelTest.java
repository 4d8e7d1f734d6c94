package dev.memlog.common.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class StrengthModelTest {
    static final StrengthModel MODEL = StrengthModel.defaults();
    static final Instant BORN = Instant.parse("2024-01-01T00:00:00Z");

    static Instant day(double n) {
        return BORN.plusMillis((long) (n * Duration.ofDays(1).toMillis()));
    }

    @Property(tries = 300)
    void strengthIsWithinZeroAndOneAndFallsWhileUnused(@ForAll @DoubleRange(min = 0, max = 1) double importance,
                                                        @ForAll @IntRange(min = 0, max = 3000) int days) {
        var unused = StrengthModel.Uses.unused(BORN, importance, false);
        double now = MODEL.strength(unused, day(days));
        double later = MODEL.strength(unused, day(days + 30));
        assertThat(now).isBetween(0.0, 1.0);
        assertThat(later).isLessThanOrEqualTo(now);
    }

    @Property(tries = 200)
    void useAndImportanceRaiseStrength(@ForAll @DoubleRange(min = 0, max = 0.9) double importance,
                                       @ForAll @IntRange(min = 1, max = 20) int uses) {
        Instant at = day(400);
        List<Instant> times = new ArrayList<>();
        for (int i = 0; i < uses; i++) {
            times.add(day(10 + i * 15));
        }
        var unused = StrengthModel.Uses.unused(BORN, importance, false);
        var used = new StrengthModel.Uses(BORN, times, uses, importance, false, 0);
        var moreImportant = StrengthModel.Uses.unused(BORN, importance + 0.1, false);
        assertThat(MODEL.strength(used, at)).isGreaterThan(MODEL.strength(unused, at));
        assertThat(MODEL.strength(moreImportant, at)).isGreaterThan(MODEL.strength(unused, at));
    }

    @Test
    void theDefaultsGiveTheDocumentedLifetimes() {
        // importance 0.5, one observation: half strength after e^4 days (about 55), forgotten (below 0.05) after about 2.8 years
        var average = StrengthModel.Uses.unused(BORN, 0.5, false);
        assertThat(MODEL.strength(average, day(Math.exp(4)))).isCloseTo(0.5, within(1e-6));
        Instant forgotten = MODEL.fallsBelow(average, 0.05, BORN, day(5000));
        assertThat(Duration.between(BORN, forgotten).toDays()).isBetween(1000L, 1070L);
        // small talk (importance 0.1) goes in about seven months; a use in between keeps it longer
        var chatter = StrengthModel.Uses.unused(BORN, 0.1, false);
        Instant chatterGone = MODEL.fallsBelow(chatter, 0.05, BORN, day(5000));
        assertThat(Duration.between(BORN, chatterGone).toDays()).isBetween(190L, 230L);
        var recalled = new StrengthModel.Uses(BORN, List.of(day(100)), 1, 0.1, false, 0);
        assertThat(MODEL.fallsBelow(recalled, 0.05, BORN, day(5000))).isAfter(chatterGone);
        // "not useful" reports bring the end nearer
        var judged = new StrengthModel.Uses(BORN, List.of(), 0, 0.5, false, 2);
        assertThat(MODEL.fallsBelow(judged, 0.05, BORN, day(5000))).isBefore(forgotten);
    }

    @Test
    void reinforcementIsWhatUseAddedWhateverTheAgeOrImportance() {
        for (double importance : new double[] {0.1, 0.5, 0.9}) {
            assertThat(MODEL.reinforcement(StrengthModel.Uses.unused(BORN, importance, false), day(300))).isZero();
        }
        var used = new StrengthModel.Uses(BORN, List.of(day(290), day(299)), 2, 0.3, false, 0);
        var judged = new StrengthModel.Uses(BORN, List.of(), 0, 0.3, false, 1);
        assertThat(MODEL.reinforcement(used, day(300))).isPositive();
        assertThat(MODEL.reinforcement(judged, day(300))).isNegative();
        assertThat(MODEL.reinforcement(StrengthModel.Uses.unused(BORN, 0.3, true), day(300))).isZero();
    }

    @Test
    void pinnedMemoriesNeverFade() {
        var pinned = StrengthModel.Uses.unused(BORN, 0.0, true);
        assertThat(MODEL.strength(pinned, day(100_000))).isEqualTo(1.0);
        assertThat(MODEL.fallsBelow(pinned, 0.5, BORN, day(100_000))).isNull();
    }

    @Test
    void usesTooOldToKeepStillCount() {
        // 40 uses, one every ten days: keeping only the last 32 exactly and approximating the rest lands close to all 40
        List<Instant> all = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            all.add(day(i * 10));
        }
        Instant at = day(420);
        var exact = new StrengthModel.Uses(BORN, all, 40, 0.5, false, 0);
        var windowed = new StrengthModel.Uses(BORN, all.subList(8, 40), 40, 0.5, false, 0);
        var forgetful = new StrengthModel.Uses(BORN, all.subList(8, 40), 32, 0.5, false, 0);
        assertThat(MODEL.activation(windowed, at)).isCloseTo(MODEL.activation(exact, at), within(0.05));
        assertThat(MODEL.activation(forgetful, at)).isLessThan(MODEL.activation(windowed, at));
    }

    @Test
    void usesAsTheyStoodAtAPastMomentCountOnlyWhatCameBefore() {
        var uses = new StrengthModel.Uses(BORN, List.of(day(10), day(20), day(30)), 3, 0.5, false, 0);
        var atFifteen = uses.before(day(15));
        assertThat(atFifteen.recent()).containsExactly(day(10));
        assertThat(atFifteen.count()).isEqualTo(1);
        // strength at day 15 as it stood then equals strength of a memory used once, and less than with later uses counted
        assertThat(MODEL.strength(atFifteen, day(15)))
                .isEqualTo(MODEL.strength(new StrengthModel.Uses(BORN, List.of(day(10)), 1, 0.5, false, 0), day(15)))
                .isLessThan(MODEL.strength(uses, day(15)));
        assertThat(uses.before(day(40))).isEqualTo(uses);
        assertThat(uses.before(BORN).count()).isZero();
    }

    @Property(tries = 200)
    void usesTooOldToKeepAreCountedByTheShareBeforeTheMoment(@ForAll @IntRange(min = 1, max = 100) int dropped,
                                                            @ForAll @IntRange(min = 0, max = 200) int atDay) {
        // kept uses start on day 100; the dropped ones lie between day 0 and 100
        var uses = new StrengthModel.Uses(BORN, List.of(day(100), day(110)), dropped + 2, 0.5, false, 0);
        var then = uses.before(day(atDay));
        int kept = atDay > 110 ? 2 : atDay > 100 ? 1 : 0;
        assertThat(then.recent()).hasSize(kept);
        if (atDay > 100) {
            assertThat(then.count()).isEqualTo(dropped + kept);
        } else {
            assertThat(then.count()).isEqualTo(dropped * atDay / 100);
        }
    }
}
