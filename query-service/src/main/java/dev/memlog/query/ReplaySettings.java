package dev.memlog.query;

import dev.memlog.common.config.Env;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * How analyst replays run here: from the consolidation rules the platform runs with (the same variables as
 * consolidation-streams', set on this service too), with state under {@code stateDir}, kept for {@code keep} once done.
 */
public record ReplaySettings(Map<String, String> platformRules, Path stateDir, Duration keep) {
    public ReplaySettings {
        platformRules = Map.copyOf(platformRules);
    }

    public static ReplaySettings from(Env env) {
        Map<String, String> rules = new TreeMap<>();
        for (String name : ReplayRequest.RULE_NAMES) {
            String value = env.optional(name);
            if (value != null) {
                rules.put(name, value);
            }
        }
        return new ReplaySettings(rules, Path.of(env.string("REPLAY_STATE_DIR", System.getProperty("java.io.tmpdir"))),
                Duration.ofMinutes(env.integer("REPLAY_KEEP_MINUTES", 60)));
    }

    /** Consolidation's default rules. */
    public static ReplaySettings defaults() {
        return new ReplaySettings(Map.of(), Path.of(System.getProperty("java.io.tmpdir")), Duration.ofMinutes(60));
    }
}
