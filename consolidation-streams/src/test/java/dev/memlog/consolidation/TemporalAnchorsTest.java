package dev.memlog.consolidation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

class TemporalAnchorsTest {
    /** A Monday. */
    private static final LocalDate SAID = LocalDate.of(2023, 5, 8);

    @Test
    void daysAroundTheDayItWasSaidGetTheirDates() {
        assertThat(TemporalAnchors.anchor("I went to a support group yesterday and it was powerful.", SAID))
                .isEqualTo("I went to a support group yesterday (7 May 2023) and it was powerful.");
        assertThat(TemporalAnchors.anchor("The day before yesterday we flew home; tomorrow I start.", SAID))
                .isEqualTo("The day before yesterday (6 May 2023) we flew home; tomorrow (9 May 2023) I start.");
        assertThat(TemporalAnchors.anchor("Last night was fun", SAID)).isEqualTo("Last night (7 May 2023) was fun");
    }

    @Test
    void weekdaysWeeksMonthsAndYearsAreResolvedBackwardsOrForwards() {
        assertThat(TemporalAnchors.anchor("I ran a race last Friday", SAID))
                .isEqualTo("I ran a race last Friday (the Friday before 8 May 2023, 5 May 2023)");
        assertThat(TemporalAnchors.anchor("next Monday", SAID)).isEqualTo("next Monday (the Monday after 8 May 2023, 15 May 2023)");
        assertThat(TemporalAnchors.anchor("I painted it last week", SAID))
                .isEqualTo("I painted it last week (the week before 8 May 2023)");
        assertThat(TemporalAnchors.anchor("we went camping last weekend", SAID))
                .isEqualTo("we went camping last weekend (the weekend before 8 May 2023)");
        assertThat(TemporalAnchors.anchor("I moved last month and will visit next year", SAID))
                .isEqualTo("I moved last month (April 2023) and will visit next year (2024)");
        assertThat(TemporalAnchors.anchor("I started two weeks ago, she left 3 days ago", SAID))
                .isEqualTo("I started two weeks ago (the week of 24 April 2023), she left 3 days ago (5 May 2023)");
        assertThat(TemporalAnchors.anchor("we went camping two weekends ago", SAID))
                .isEqualTo("we went camping two weekends ago (the weekend of 24 April 2023)");
        assertThat(TemporalAnchors.anchor("The show opens in a couple of months.", SAID))
                .isEqualTo("The show opens in a couple of months (July 2023).");
    }

    @Test
    void textWithoutRelativeTimesOrAlreadyAnchoredIsLeftAlone() {
        assertThat(TemporalAnchors.anchor("I love hiking in the mountains.", SAID)).isEqualTo("I love hiking in the mountains.");
        String once = TemporalAnchors.anchor("I went there yesterday.", SAID);
        assertThat(TemporalAnchors.anchor(once, SAID)).isEqualTo(once);
        assertThat(TemporalAnchors.anchor("a weekday routine and a yesterdayish mood", SAID))
                .isEqualTo("a weekday routine and a yesterdayish mood");
    }
}
