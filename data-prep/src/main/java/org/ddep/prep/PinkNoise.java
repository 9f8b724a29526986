package org.ddep.prep;

import org.apache.commons.math3.transform.DftNormalization;
import org.apache.commons.math3.transform.FastFourierTransformer;
import org.apache.commons.math3.transform.TransformType;

import java.util.Random;

/**
 * 1/f ("pink") noise fields: white Gaussian noise filtered in the Fourier domain so that its
 * amplitude spectrum falls as 1/f (power as 1/f^2, the slope of natural images' spectra). The
 * field is periodic, so any toroidal shift of it is another sample with the same statistics.
 */
public final class PinkNoise {
    private PinkNoise() {
    }

    /**
     * An {@code n x n} field (row-major), mean 0 and standard deviation 1; {@code n} a power of two.
     * The constant component is removed; every other frequency is scaled by 1/|f|.
     */
    public static double[] field(Random rnd, int n) {
        if (n < 2 || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("pink noise side must be a power of two >= 2, got " + n);
        }
        double[][] re = new double[n][n];
        double[][] im = new double[n][n];
        for (double[] row : re) {
            for (int x = 0; x < n; x++) {
                row[x] = rnd.nextGaussian();
            }
        }
        fft2(re, im, TransformType.FORWARD);
        for (int y = 0; y < n; y++) {
            int fy = Math.min(y, n - y);
            for (int x = 0; x < n; x++) {
                int fx = Math.min(x, n - x);
                double f = Math.sqrt(fx * fx + fy * fy);
                double gain = f == 0 ? 0 : 1 / f;
                re[y][x] *= gain;
                im[y][x] *= gain;
            }
        }
        fft2(re, im, TransformType.INVERSE);
        // The filter is real and symmetric in f, so the result is real: the imaginary part is rounding.
        double[] out = new double[n * n];
        double sum = 0;
        double sq = 0;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double v = re[y][x];
                out[y * n + x] = v;
                sum += v;
                sq += v * v;
            }
        }
        double mean = sum / out.length;
        double sd = Math.sqrt(Math.max(sq / out.length - mean * mean, 1e-30));
        for (int i = 0; i < out.length; i++) {
            out[i] = (out[i] - mean) / sd;
        }
        return out;
    }

    /** In-place 2-D transform: every row, then every column. */
    static void fft2(double[][] re, double[][] im, TransformType type) {
        int n = re.length;
        for (int y = 0; y < n; y++) {
            FastFourierTransformer.transformInPlace(new double[][] {re[y], im[y]}, DftNormalization.STANDARD, type);
        }
        double[] cr = new double[n];
        double[] ci = new double[n];
        for (int x = 0; x < n; x++) {
            for (int y = 0; y < n; y++) {
                cr[y] = re[y][x];
                ci[y] = im[y][x];
            }
            FastFourierTransformer.transformInPlace(new double[][] {cr, ci}, DftNormalization.STANDARD, type);
            for (int y = 0; y < n; y++) {
                re[y][x] = cr[y];
                im[y][x] = ci[y];
            }
        }
    }
}
