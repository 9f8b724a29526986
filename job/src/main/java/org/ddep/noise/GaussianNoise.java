package org.ddep.noise;

import java.util.SplittableRandom;

/**
 * Standard normal noise eps ~ N(0, 1), drawn with Marsaglia and Tsang's ziggurat (J. Stat. Softw.
 * 5(8), 2000): 128 strips of equal area under exp(-x^2 / 2); almost every draw is one random long,
 * one comparison and one multiply, where Box-Muller needs a log, a square root and a sine per
 * value. All bits come from the caller's {@link SplittableRandom}, so the noise is exactly as
 * reproducible (and as fresh per epoch) as the seed it was given.
 */
public final class GaussianNoise {
    private static final int STRIPS = 128;
    /** Where the tail starts, and the area of each strip (including the base's tail), for 128 strips. */
    private static final double R = 3.442619855899;
    private static final double AREA = 9.91256303526217e-3;
    private static final double TWO_31 = 2147483648.0;

    /** |hz| below KEEP[i] lies wholly inside strip i's inner rectangle: accepted at once. */
    private static final long[] KEEP = new long[STRIPS];
    /** hz * SCALE[i] is the value: strip i's right edge over 2^31. */
    private static final double[] SCALE = new double[STRIPS];
    /** exp(-x^2 / 2) at strip i's right edge. */
    private static final double[] DENSITY = new double[STRIPS];

    static {
        double edge = R;
        double q = AREA / Math.exp(-0.5 * R * R);
        KEEP[0] = (long) (R / q * TWO_31);
        KEEP[1] = 0;
        SCALE[0] = q / TWO_31;
        SCALE[STRIPS - 1] = R / TWO_31;
        DENSITY[0] = 1;
        DENSITY[STRIPS - 1] = Math.exp(-0.5 * R * R);
        for (int i = STRIPS - 2; i >= 1; i--) {
            double inner = Math.sqrt(-2 * Math.log(AREA / edge + Math.exp(-0.5 * edge * edge)));
            KEEP[i + 1] = (long) (inner / edge * TWO_31);
            edge = inner;
            DENSITY[i] = Math.exp(-0.5 * inner * inner);
            SCALE[i] = inner / TWO_31;
        }
    }

    private GaussianNoise() {
    }

    /** {@code n} independent N(0, 1) values. */
    public static float[] sample(int n, SplittableRandom rnd) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            // Independent bits for the strip (low 7) and the position in it (high 32).
            long bits = rnd.nextLong();
            int strip = (int) bits & (STRIPS - 1);
            int hz = (int) (bits >> 32);
            out[i] = (float) (Math.abs((long) hz) < KEEP[strip] ? hz * SCALE[strip] : edgeOrTail(hz, strip, rnd));
        }
        return out;
    }

    /** The rare draws outside a strip's inner rectangle: its wedge under the curve, or the base strip's tail. */
    private static double edgeOrTail(int hz, int strip, SplittableRandom rnd) {
        while (true) {
            if (strip == 0) {
                double x;
                double y;
                do {
                    x = -Math.log(1 - rnd.nextDouble()) / R;
                    y = -Math.log(1 - rnd.nextDouble());
                } while (y + y < x * x);
                return hz > 0 ? R + x : -R - x;
            }
            double x = hz * SCALE[strip];
            if (DENSITY[strip] + rnd.nextDouble() * (DENSITY[strip - 1] - DENSITY[strip]) < Math.exp(-0.5 * x * x)) {
                return x;
            }
            long bits = rnd.nextLong();
            strip = (int) bits & (STRIPS - 1);
            hz = (int) (bits >> 32);
            if (Math.abs((long) hz) < KEEP[strip]) {
                return hz * SCALE[strip];
            }
        }
    }
}
