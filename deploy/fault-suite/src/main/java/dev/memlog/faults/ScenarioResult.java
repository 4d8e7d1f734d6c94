package dev.memlog.faults;

import java.util.List;
import java.util.Map;

/**
 * One fault scenario as it ran: the events sent, those the log acknowledged, those that became searchable turns, those
 * acknowledged and lost, copies beyond one, how long the platform took to have everything again once the fault was
 * repaired, and what was checked on the way (each a failure if not empty).
 */
public record ScenarioResult(String name, String fault, int events, int acknowledged, int derived, int lost, int duplicated,
                             double recoverySeconds, Map<Integer, Integer> statuses, List<String> problems) {
    public ScenarioResult {
        statuses = Map.copyOf(statuses);
        problems = List.copyOf(problems);
    }

    public boolean passed() {
        return lost == 0 && duplicated == 0 && problems.isEmpty() && acknowledged > 0;
    }
}
