package org.ddep.noise;

import org.ddep.config.NoiseSpec;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Turns a clean image into one denoising example: the corrupted input and the regression target
 * (the noise eps by default, the clean image in the "predict x" ablation). Fresh eps per call.
 */
public final class DenoisingObjective implements Serializable {
    private final NoiseSpec spec;

    public DenoisingObjective(NoiseSpec spec) {
        this.spec = spec;
    }

    /** An input/target pair, each the shape of the image. */
    public record Example(float[] input, float[] target) {
    }

    public Example corrupt(float[] x, SplittableRandom rnd) {
        float[] eps = gaussian(x.length, rnd);
        float[] noisy = new float[x.length];
        if (spec.kind() == NoiseSpec.Kind.SIMPLE_ADDITIVE) {
            SimpleAdditiveNoise.apply(x, eps, spec.sigma(), noisy);
        } else {
            // Fixed gamma for every example (paper); the DDPM-style ablation draws gamma ~ U(0, 1).
            double gamma = spec.gamma() == NoiseSpec.Gamma.FIXED ? ScaledAdditiveNoise.gamma(spec.sigma()) : rnd.nextDouble();
            ScaledAdditiveNoise.apply(x, eps, gamma, noisy);
        }
        return new Example(noisy, spec.target() == NoiseSpec.Target.NOISE ? eps : x.clone());
    }

    /** The clean image implied by a noisy input and a predicted noise (for the report's samples). */
    public float[] denoise(float[] noisy, float[] predictedNoise) {
        float[] out = new float[noisy.length];
        if (spec.target() == NoiseSpec.Target.IMAGE) {
            System.arraycopy(predictedNoise, 0, out, 0, out.length);
            return out;
        }
        if (spec.kind() == NoiseSpec.Kind.SIMPLE_ADDITIVE) {
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (noisy[i] - spec.sigma() * predictedNoise[i]);
            }
        } else {
            double g = ScaledAdditiveNoise.gamma(spec.sigma());
            double a = Math.sqrt(g);
            double b = Math.sqrt(1 - g);
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) ((noisy[i] - b * predictedNoise[i]) / a);
            }
        }
        return out;
    }

    static float[] gaussian(int n, SplittableRandom rnd) {
        return GaussianNoise.sample(n, rnd);
    }
}
