package dev.memlog.common.memory;

import dev.memlog.common.config.Env;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A memory's strength at a moment, in [0, 1]: ACT-R base-level activation over its uses, B = ln Σ age_j^-d (ages in
 * days, the first observation counting as a use), raised by importance, lowered by "not useful" feedback, and turned
 * into ACT-R's retrieval probability 1 / (1 + e^-(A - τ)/s). Pinned memories are always at full strength.
 *
 * @param decay            d: how fast the trace of one use fades (0.5 in ACT-R)
 * @param importanceWeight β: activation added per unit of importance above 0.5 (and taken below it)
 * @param threshold        τ: the activation at which strength is one half
 * @param noise            s: how sharply strength falls around τ
 * @param notUsefulPenalty activation taken per "not useful" report
 */
public record StrengthModel(double decay, double importanceWeight, double threshold, double noise, double notUsefulPenalty) {
    /** Uses closer together than this count as if this far apart: a burst of retrievals is not a lasting memory. */
    static final double MIN_AGE_DAYS = 1.0 / 24;
    private static final double DAY_MILLIS = Duration.ofDays(1).toMillis();

    public StrengthModel {
        if (decay <= 0 || decay >= 1 || importanceWeight < 0 || noise <= 0 || notUsefulPenalty < 0) {
            throw new IllegalArgumentException("strength model: decay in (0, 1), noise > 0, weights >= 0");
        }
    }

    /** d 0.5, β 2, τ -2, s 0.5, penalty 0.5: the values docs/lifecycle.md measures. */
    public static StrengthModel defaults() {
        return new StrengthModel(0.5, 2.0, -2.0, 0.5, 0.5);
    }

    /** STRENGTH_DECAY, STRENGTH_IMPORTANCE_WEIGHT, STRENGTH_THRESHOLD, STRENGTH_NOISE, STRENGTH_NOT_USEFUL_PENALTY. */
    public static StrengthModel from(Env env) {
        var d = defaults();
        return new StrengthModel(env.decimal("STRENGTH_DECAY", d.decay()),
                env.decimal("STRENGTH_IMPORTANCE_WEIGHT", d.importanceWeight()), env.decimal("STRENGTH_THRESHOLD", d.threshold()),
                env.decimal("STRENGTH_NOISE", d.noise()), env.decimal("STRENGTH_NOT_USEFUL_PENALTY", d.notUsefulPenalty()));
    }

    /**
     * What strength is computed from.
     *
     * @param born      the first observation, itself a use
     * @param recent    the most recent later uses, oldest first (a bounded window)
     * @param count     every later use, the ones too old for {@code recent} included
     * @param notUseful times an agent reported the memory not useful
     */
    public record Uses(Instant born, List<Instant> recent, int count, double importance, boolean pinned, int notUseful) {
        public Uses {
            recent = List.copyOf(recent);
            if (count < recent.size()) {
                throw new IllegalArgumentException("use count below the uses kept");
            }
        }

        /**
         * The uses as they stood at {@code at}: kept uses after it dropped; uses too old to keep all counted when the
         * oldest kept one came before it, else the share of them that falls before it, spread as {@link #activation}
         * assumes them (evenly between the first observation and the oldest use kept).
         */
        public Uses before(Instant at) {
            List<Instant> kept = recent.stream().filter(u -> u.isBefore(at)).toList();
            int dropped = count - recent.size();
            if (dropped > 0 && !recent.isEmpty() && !recent.getFirst().isBefore(at)) {
                long span = recent.getFirst().toEpochMilli() - born.toEpochMilli();
                long elapsed = Math.max(0, at.toEpochMilli() - born.toEpochMilli());
                dropped = span <= 0 ? 0 : (int) Math.min(dropped, dropped * elapsed / span);
            }
            return new Uses(born, kept, kept.size() + dropped, importance, pinned, notUseful);
        }

        /** A memory nobody has used since it was observed. */
        public static Uses unused(Instant born, double importance, boolean pinned) {
            return new Uses(born, List.of(), 0, importance, pinned, 0);
        }
    }

    /** Activation at {@code at}: base level, plus importance, minus "not useful" reports. */
    public double activation(Uses u, Instant at) {
        double sum = Math.pow(ageDays(u.born(), at), -decay);
        for (Instant use : u.recent()) {
            sum += Math.pow(ageDays(use, at), -decay);
        }
        int dropped = u.count() - u.recent().size();
        if (dropped > 0) {
            // uses too old to keep, taken as spread evenly between the first observation and the oldest use kept
            double tb = ageDays(u.born(), at);
            double tk = u.recent().isEmpty() ? tb : ageDays(u.recent().getFirst(), at);
            sum += tb - tk < 1e-9 ? dropped * Math.pow(tk, -decay)
                    : dropped * (Math.pow(tb, 1 - decay) - Math.pow(tk, 1 - decay)) / ((1 - decay) * (tb - tk));
        }
        return Math.log(sum) + importanceWeight * (u.importance() - 0.5) - notUsefulPenalty * u.notUseful();
    }

    /** Strength in [0, 1] at {@code at}; 1 for a pinned memory. */
    public double strength(Uses u, Instant at) {
        if (u.pinned()) {
            return 1.0;
        }
        return 1 / (1 + Math.exp(-(activation(u, at) - threshold) / noise));
    }

    /**
     * What use has done to the memory's strength at {@code at}: its strength minus the strength it would have had if
     * nobody had used it or reported on it, in [-1, 1]; 0 for a memory never used and for a pinned one. Retrieval weighs
     * this, since age and importance are shaping components of their own.
     */
    public double reinforcement(Uses u, Instant at) {
        return strength(u, at) - strength(Uses.unused(u.born(), u.importance(), u.pinned()), at);
    }

    /**
     * The moment strength falls below {@code level} if the memory is not used again, searched between {@code from}
     * and {@code until} (strength only falls between uses); null if it is still at or above it at {@code until}.
     */
    public Instant fallsBelow(Uses u, double level, Instant from, Instant until) {
        if (u.pinned() || strength(u, until) >= level) {
            return null;
        }
        if (strength(u, from) < level) {
            return from;
        }
        long lo = from.toEpochMilli();
        long hi = until.toEpochMilli();
        while (hi - lo > 1000) {
            long mid = lo + (hi - lo) / 2;
            if (strength(u, Instant.ofEpochMilli(mid)) < level) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return Instant.ofEpochSecond((hi + 999) / 1000);
    }

    private static double ageDays(Instant use, Instant at) {
        return Math.max(MIN_AGE_DAYS, (at.toEpochMilli() - use.toEpochMilli()) / DAY_MILLIS);
    }
}
