package dev.memlog.query;

import java.time.Duration;
import java.time.Instant;

/**
 * The final score mixes the engine's fused relevance with recency (half-life decay from the reference time),
 * importance and memory strength, each in [0, 1], by weights that sum with the relevance share to one.
 */
public record ScoreShaper(double recencyWeight, Duration recencyHalfLife, double importanceWeight, double strengthWeight) {

    public ScoreShaper {
        if (recencyWeight < 0 || importanceWeight < 0 || strengthWeight < 0
                || recencyWeight + importanceWeight + strengthWeight >= 1) {
            throw new IllegalArgumentException("shaping weights must be >= 0 and sum to less than 1");
        }
    }

    public static ScoreShaper none() {
        return new ScoreShaper(0, Duration.ofDays(30), 0, 0);
    }

    public double relevanceShare() {
        return 1 - recencyWeight - importanceWeight - strengthWeight;
    }

    /** Recency in [0, 1]: 1 at the reference time, halving every half-life before it; future is 1. */
    public double recency(Instant observedAt, Instant reference) {
        long ageMillis = Math.max(0, Duration.between(observedAt, reference).toMillis());
        return Math.pow(0.5, (double) ageMillis / recencyHalfLife.toMillis());
    }
}
