package org.ddep.noise;

/**
 * The paper's corruption (PAPER.md "Denoising objective"):
 * x_noisy = sqrt(gamma) * x + sqrt(1 - gamma) * eps, with gamma = 1 / (1 + sigma^2),
 * i.e. (x + sigma * eps) / sqrt(1 + sigma^2). For unit-variance x and eps the output has unit variance.
 */
public final class ScaledAdditiveNoise {
    private ScaledAdditiveNoise() {
    }

    /** gamma = 1 / (1 + sigma^2): sigma 0.22 gives 0.954. */
    public static double gamma(double sigma) {
        return 1.0 / (1.0 + sigma * sigma);
    }

    public static void apply(float[] x, float[] eps, double gamma, float[] out) {
        float a = (float) Math.sqrt(gamma);
        float b = (float) Math.sqrt(1 - gamma);
        for (int i = 0; i < x.length; i++) {
            out[i] = a * x[i] + b * eps[i];
        }
    }
}
