package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.memlog.common.memory.StrengthModel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryRoutesTest {
    static final Instant BORN = Instant.parse("2024-01-01T00:00:00Z");
    final HistoryRoutes routes = new HistoryRoutes(null, StrengthModel.defaults());

    static List<Double> strengths(JsonNode series) {
        List<Double> out = new ArrayList<>();
        series.forEach(p -> out.add(p.path("strength").asDouble()));
        return out;
    }

    @Test
    void aMemoryNeverUsedFadesFromItsBirthToTheEndOfItsLife() {
        Instant end = BORN.plus(Duration.ofDays(230));
        JsonNode series = routes.overTime(StrengthModel.Uses.unused(BORN, 0.5, false), end);
        assertThat(series).hasSize(HistoryRoutes.POINTS);
        assertThat(series.get(0).path("at").asText()).isEqualTo(BORN.toString());
        assertThat(series.get(HistoryRoutes.POINTS - 1).path("at").asText()).isEqualTo(end.toString());
        List<Double> strengths = strengths(series);
        assertThat(strengths).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(strengths.getFirst()).isGreaterThan(strengths.getLast());
    }

    @Test
    void aUseRaisesTheCurveOnlyFromTheMomentItWasMade() {
        Instant end = BORN.plus(Duration.ofDays(230));
        Instant used = BORN.plus(Duration.ofDays(100));
        List<Double> unused = strengths(routes.overTime(StrengthModel.Uses.unused(BORN, 0.5, false), end));
        List<Double> withUse = strengths(routes.overTime(new StrengthModel.Uses(BORN, List.of(used), 1, 0.5, false, 0), end));
        for (int i = 0; i < HistoryRoutes.POINTS; i++) {
            Instant at = BORN.plusMillis(Duration.ofDays(230).toMillis() * i / (HistoryRoutes.POINTS - 1));
            if (at.isAfter(used)) {
                assertThat(withUse.get(i)).as("after the use, point " + i).isGreaterThan(unused.get(i));
            } else {
                assertThat(withUse.get(i)).as("before the use, point " + i).isEqualTo(unused.get(i));
            }
        }
    }
}
