package org.ddep.noise;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GaussianNoiseTest {
    private static final int N = 2_000_000;

    @Test
    void valuesFollowTheStandardNormalDistribution() {
        float[] v = GaussianNoise.sample(N, new SplittableRandom(11));
        float[] sorted = v.clone();
        Arrays.sort(sorted);
        // Kolmogorov-Smirnov distance to Phi; 1.95 / sqrt(n) is the 0.1% critical value.
        double d = 0;
        for (int i = 0; i < N; i++) {
            double cdf = phi(sorted[i]);
            d = Math.max(d, Math.max(Math.abs(cdf - i / (double) N), Math.abs(cdf - (i + 1) / (double) N)));
        }
        assertTrue(d < 1.95 / Math.sqrt(N), "KS distance " + d);
        double mean = 0;
        double m2 = 0;
        double m4 = 0;
        for (float x : v) {
            mean += x;
            m2 += x * x;
            m4 += (double) x * x * x * x;
        }
        assertEquals(0, mean / N, 5 / Math.sqrt(N));
        assertEquals(1, m2 / N, 0.005);
        assertEquals(3, m4 / N, 0.03, "kurtosis");
    }

    @Test
    void theTailBeyondTheBaseStripHasItsNormalShare() {
        // 3.4426 is where the ziggurat's base strip hands over to the exact tail sampler.
        float[] v = GaussianNoise.sample(N, new SplittableRandom(12));
        long beyond = 0;
        long far = 0;
        for (float x : v) {
            beyond += Math.abs(x) > 3.4426 ? 1 : 0;
            far += Math.abs(x) > 4.5 ? 1 : 0;
        }
        double expected = N * 2 * (1 - phi(3.4426));
        assertEquals(expected, beyond, 5 * Math.sqrt(expected));
        double expectedFar = N * 2 * (1 - phi(4.5));
        assertEquals(expectedFar, far, 5 * Math.sqrt(expectedFar) + 1);
    }

    @Test
    void theSameSeedGivesTheSameNoiseAndTheNextDrawFreshNoise() {
        SplittableRandom a = new SplittableRandom(5);
        float[] first = GaussianNoise.sample(1000, a);
        assertArrayEquals(first, GaussianNoise.sample(1000, new SplittableRandom(5)));
        assertFalse(Arrays.equals(first, GaussianNoise.sample(1000, a)));
    }

    /** Standard normal CDF through erfc (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7). */
    private static double phi(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    private static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
