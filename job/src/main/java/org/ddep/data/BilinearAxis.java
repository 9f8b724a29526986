package org.ddep.data;

/**
 * One axis of a bilinear resize from {@code in} to {@code out} samples with half-pixel centres and
 * edge clamping: for output index i, the two source indices and the weight of the second. Computed
 * once per resize, so the per-pixel loops only read it.
 */
public record BilinearAxis(int[] lo, int[] hi, double[] frac) {
    public static BilinearAxis of(int in, int out) {
        int[] lo = new int[out];
        int[] hi = new int[out];
        double[] frac = new double[out];
        for (int i = 0; i < out; i++) {
            double f = Math.max(0, (i + 0.5) * in / out - 0.5);
            lo[i] = Math.min((int) f, in - 1);
            hi[i] = Math.min(lo[i] + 1, in - 1);
            frac[i] = f - lo[i];
        }
        return new BilinearAxis(lo, hi, frac);
    }

    /** Bilinear sample of plane {@code q} (row length {@code width}, offset {@code base}) at output (y, x). */
    public double sample(BilinearAxis xs, float[] q, int base, int width, int y, int x) {
        int r1 = base + lo[y] * width;
        int r2 = base + hi[y] * width;
        double dy = frac[y];
        double dx = xs.frac[x];
        return (1 - dy) * ((1 - dx) * q[r1 + xs.lo[x]] + dx * q[r1 + xs.hi[x]])
                + dy * ((1 - dx) * q[r2 + xs.lo[x]] + dx * q[r2 + xs.hi[x]]);
    }
}
