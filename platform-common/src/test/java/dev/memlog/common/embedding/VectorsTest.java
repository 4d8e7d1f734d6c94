package dev.memlog.common.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import org.junit.jupiter.api.Test;

class VectorsTest {
    @Test
    void theNormalizedSumOfTwoUnitVectorsIsAUnitVectorAsCloseToEach() {
        float[] a = {1, 0, 0};
        float[] b = {0.6f, 0.8f, 0};
        float[] mean = Vectors.normalizedSum(a, b);
        assertThat(Vectors.cosine(mean, mean)).isCloseTo(1.0, offset(1e-6));
        double length = Math.sqrt(mean[0] * mean[0] + mean[1] * mean[1] + mean[2] * mean[2]);
        assertThat(length).isCloseTo(1.0, offset(1e-6));
        assertThat(Vectors.cosine(mean, a)).isCloseTo(Vectors.cosine(mean, b), offset(1e-6)).isGreaterThan(Vectors.cosine(a, b));
    }

    @Test
    void oppositeVectorsSumToZeroAndVectorsOfOtherLengthsAreRefused() {
        assertThat(Vectors.normalizedSum(new float[] {1, 0}, new float[] {-1, 0})).containsExactly(0f, 0f);
        assertThatThrownBy(() -> Vectors.normalizedSum(new float[2], new float[3])).hasMessage("vectors of 2 and 3 dimensions");
    }
}
