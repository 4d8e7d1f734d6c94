package dev.memlog.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** One line of a long job's progress: a bar, what is done of what there is to do, the rate and the time left. */
final class ProgressLine {
    private ProgressLine() {
    }

    /** @param done the progress field counting what is done; {@code total} and {@code <done>_per_second} go with it */
    static String of(JsonNode p, String done, String unit) {
        long total = p.path("total").asLong();
        long count = Math.min(total, p.path(done).asLong());
        double share = total == 0 ? 1 : (double) count / total;
        int filled = (int) Math.round(share * 30);
        String eta = p.path("eta_seconds").isNumber() ? " ETA " + p.path("eta_seconds").asLong() + " s" : "";
        return String.format(Locale.ROOT, "[%s%s] %3d%% %,d/%,d %s %,.0f/s%s %s", "#".repeat(filled),
                ".".repeat(30 - filled), Math.round(share * 100), count, total, unit, p.path(done + "_per_second").asDouble(),
                eta, p.path("state").asText());
    }
}
