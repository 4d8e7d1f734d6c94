package dev.memlog.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Nearest-rank percentiles of latencies in milliseconds. */
public final class Percentiles {
    private final List<Double> values = new ArrayList<>();

    public synchronized void add(double ms) {
        values.add(ms);
    }

    public synchronized double at(double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    public int count() {
        return values.size();
    }
}
