package dev.memlog.common.embedding;

import java.util.ArrayList;
import java.util.List;

/** Conversions between the models' float arrays and the records' float lists, and their cosine similarity. */
public final class Vectors {
    private Vectors() {
    }

    public static List<Float> toList(float[] vector) {
        List<Float> list = new ArrayList<>(vector.length);
        for (float f : vector) {
            list.add(f);
        }
        return list;
    }

    public static float[] toArray(List<Float> vector) {
        float[] array = new float[vector.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = vector.get(i);
        }
        return array;
    }

    /**
     * The unit vector along {@code a + b}: for unit vectors, the direction whose cosine with any query is the mean of
     * theirs, scaled alike for every query.
     */
    public static float[] normalizedSum(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of " + a.length + " and " + b.length + " dimensions");
        }
        float[] sum = new float[a.length];
        double norm = 0;
        for (int i = 0; i < sum.length; i++) {
            sum[i] = a[i] + b[i];
            norm += (double) sum[i] * sum[i];
        }
        if (norm > 0) {
            float scale = (float) (1 / Math.sqrt(norm));
            for (int i = 0; i < sum.length; i++) {
                sum[i] *= scale;
            }
        }
        return sum;
    }

    /** Cosine similarity in [-1, 1]; 0 when either vector is zero. Vectors of different lengths compare their common part. */
    public static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
