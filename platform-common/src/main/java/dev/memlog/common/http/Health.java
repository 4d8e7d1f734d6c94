package dev.memlog.common.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What a service's three probes report. Liveness: a part that cannot recover by itself has stopped, so the process
 * should be restarted. Readiness: the service can do its work now (its dependencies answer, it is not far behind).
 * Started: start-up work (loading the model, restoring state) is done, so the other two probes apply.
 */
public record Health(Map<String, Supplier<Check>> liveness, Map<String, Supplier<Check>> readiness, BooleanSupplier started) {

    /** One check's answer and, for the operator, what it saw. */
    public record Check(boolean up, String detail) {
        public static Check up(String detail) {
            return new Check(true, detail);
        }

        public static Check down(String detail) {
            return new Check(false, detail);
        }

        public static Check of(boolean up) {
            return new Check(up, up ? "ok" : "failing");
        }
    }

    public Health {
        liveness = Map.copyOf(liveness);
        readiness = Map.copyOf(readiness);
    }

    /** Ready when every named check passes; always live; started once constructed. */
    public static Health ready(Map<String, BooleanSupplier> readiness) {
        Map<String, Supplier<Check>> checks = new LinkedHashMap<>();
        readiness.forEach((name, check) -> checks.put(name, () -> Check.of(check.getAsBoolean())));
        return new Health(Map.of(), checks, () -> true);
    }

    /** Runs the checks; one that throws is down, with what it threw. */
    static Map<String, Check> run(Map<String, Supplier<Check>> checks) {
        Map<String, Check> results = new LinkedHashMap<>();
        checks.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            Check result;
            try {
                result = e.getValue().get();
            } catch (RuntimeException ex) {
                result = Check.down(ex.getClass().getSimpleName() + ": " + ex.getMessage());
            }
            results.put(e.getKey(), result);
        });
        return results;
    }
}
