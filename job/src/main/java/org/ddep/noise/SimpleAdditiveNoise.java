package org.ddep.noise;

/** The ablation of PAPER.md "Denoising objective": x_noisy = x + sigma * eps (variance grows by sigma^2). */
public final class SimpleAdditiveNoise {
    private SimpleAdditiveNoise() {
    }

    public static void apply(float[] x, float[] eps, double sigma, float[] out) {
        float s = (float) sigma;
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] + s * eps[i];
        }
    }
}
