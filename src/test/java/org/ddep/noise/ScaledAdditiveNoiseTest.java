package org.ddep.noise;

import org.ddep.config.NoiseSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class ScaledAdditiveNoiseTest {
    private static final int N = 400_000;

    @Test
    void gammaIsOneOverOnePlusSigmaSquared() {
        assertEquals(1 / (1 + 0.22 * 0.22), ScaledAdditiveNoise.gamma(0.22), 1e-12);
        assertEquals(0.954, ScaledAdditiveNoise.gamma(0.22), 1e-3);
        assertEquals(0.977, Math.sqrt(ScaledAdditiveNoise.gamma(0.22)), 1e-3);
        assertEquals(0.215, Math.sqrt(1 - ScaledAdditiveNoise.gamma(0.22)), 1e-3);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.05, 0.22, 0.8})
    void noisyImageHasUnitVarianceForUnitVarianceInput(double sigma) {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] x = DenoisingObjective.gaussian(N, rnd);
        float[] eps = DenoisingObjective.gaussian(N, rnd);
        float[] out = new float[N];
        ScaledAdditiveNoise.apply(x, eps, ScaledAdditiveNoise.gamma(sigma), out);
        assertEquals(1.0, variance(out), 0.01);
        // and it is the formula's mix: (x + sigma eps) / sqrt(1 + sigma^2)
        assertEquals((x[7] + sigma * eps[7]) / Math.sqrt(1 + sigma * sigma), out[7], 1e-5);
    }

    @Test
    void simpleAdditiveNoiseAddsSigmaSquaredVariance() {
        SplittableRandom rnd = new SplittableRandom(2);
        float[] x = DenoisingObjective.gaussian(N, rnd);
        float[] eps = DenoisingObjective.gaussian(N, rnd);
        float[] out = new float[N];
        SimpleAdditiveNoise.apply(x, eps, 0.5, out);
        assertEquals(1.25, variance(out), 0.015);
    }

    @Test
    void targetIsTheNoiseByDefaultAndTheImageInThePredictXAblation() {
        float[] x = DenoisingObjective.gaussian(1000, new SplittableRandom(3));
        DenoisingObjective.Example e = new DenoisingObjective(NoiseSpec.paperDefault()).corrupt(x, new SplittableRandom(4));
        float[] eps = DenoisingObjective.gaussian(1000, new SplittableRandom(4));
        assertArrayEquals(eps, e.target());
        float[] expected = new float[1000];
        ScaledAdditiveNoise.apply(x, eps, ScaledAdditiveNoise.gamma(0.22), expected);
        assertArrayEquals(expected, e.input(), 1e-6f);

        NoiseSpec predictX = new NoiseSpec(NoiseSpec.Kind.SCALED_ADDITIVE, 0.22, NoiseSpec.Target.IMAGE, NoiseSpec.Gamma.FIXED);
        assertArrayEquals(x, new DenoisingObjective(predictX).corrupt(x, new SplittableRandom(4)).target());
    }

    @Test
    void simpleAdditiveSwitchChangesTheCorruption() {
        float[] x = DenoisingObjective.gaussian(1000, new SplittableRandom(5));
        NoiseSpec simple = new NoiseSpec(NoiseSpec.Kind.SIMPLE_ADDITIVE, 0.22, NoiseSpec.Target.NOISE, NoiseSpec.Gamma.FIXED);
        DenoisingObjective.Example e = new DenoisingObjective(simple).corrupt(x, new SplittableRandom(6));
        float[] eps = DenoisingObjective.gaussian(1000, new SplittableRandom(6));
        assertEquals(x[3] + 0.22f * eps[3], e.input()[3], 1e-6f);
    }

    @Test
    void randomGammaDrawsAFreshGammaPerExample() {
        float[] x = new float[64];
        java.util.Arrays.fill(x, 1f);
        NoiseSpec ddpm = new NoiseSpec(NoiseSpec.Kind.SCALED_ADDITIVE, 0.22, NoiseSpec.Target.NOISE, NoiseSpec.Gamma.RANDOM);
        DenoisingObjective o = new DenoisingObjective(ddpm);
        SplittableRandom rnd = new SplittableRandom(7);
        // input - sqrt(1-g) eps = sqrt(g) x: recover sqrt(g) from one element per example
        double g1 = recoverSqrtGamma(o.corrupt(x, rnd));
        double g2 = recoverSqrtGamma(o.corrupt(x, rnd));
        assertNotEquals(g1, g2, 1e-3);
    }

    @Test
    void denoiseInvertsTheCorruptionGivenTheTrueNoise() {
        float[] x = DenoisingObjective.gaussian(500, new SplittableRandom(8));
        DenoisingObjective o = new DenoisingObjective(NoiseSpec.paperDefault());
        DenoisingObjective.Example e = o.corrupt(x, new SplittableRandom(9));
        assertArrayEquals(x, o.denoise(e.input(), e.target()), 1e-4f);
    }

    private static double recoverSqrtGamma(DenoisingObjective.Example e) {
        // With x = 1: input_i = a + b eps_i and a^2 + b^2 = 1; solve from two elements.
        double d = (e.input()[0] - e.input()[1]) / (e.target()[0] - e.target()[1]);
        return e.input()[0] - d * e.target()[0];
    }

    private static double variance(float[] v) {
        double s = 0;
        double s2 = 0;
        for (float f : v) {
            s += f;
            s2 += f * f;
        }
        double m = s / v.length;
        return s2 / v.length - m * m;
    }
}
