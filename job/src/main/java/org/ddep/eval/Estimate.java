package org.ddep.eval;

import org.apache.commons.math3.distribution.TDistribution;

import java.util.Arrays;

/**
 * A metric over seeds: their number, mean, sample standard deviation and the 95% confidence
 * interval of the mean by Student's t (mean +- t(0.975, n - 1) sd / sqrt(n)). With one seed the
 * spread and the interval are undefined (NaN): one seed measures nothing about seed-to-seed noise.
 * A paired difference (DDeP - baseline, same seed) is the estimate of the per-seed differences.
 */
public record Estimate(int n, double mean, double sd, double low, double high) {
    public static final double LEVEL = 0.95;

    /** Which side of zero a difference is on, at {@link #LEVEL}. */
    public enum Verdict { AHEAD, BEHIND, NOT_DISTINGUISHABLE, SINGLE_SEED }

    /** The estimate of {@code values}, ignoring NaNs (a run whose mIoU is undefined). */
    public static Estimate of(double... values) {
        double[] v = Arrays.stream(values).filter(Double::isFinite).toArray();
        int n = v.length;
        if (n == 0) {
            return new Estimate(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double mean = Arrays.stream(v).sum() / n;
        if (n == 1) {
            return new Estimate(1, mean, Double.NaN, Double.NaN, Double.NaN);
        }
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        double sd = Math.sqrt(ss / (n - 1));
        double half = tQuantile((1 + LEVEL) / 2, n - 1) * sd / Math.sqrt(n);
        return new Estimate(n, mean, sd, mean - half, mean + half);
    }

    /** The estimate of the per-seed differences {@code a[i] - b[i]}: seeds paired by index. */
    public static Estimate paired(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("paired difference of " + a.length + " and " + b.length + " seeds");
        }
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return of(d);
    }

    /** The p-quantile of Student's t distribution with {@code df} degrees of freedom. */
    public static double tQuantile(double p, int df) {
        if (df < 1) {
            throw new IllegalArgumentException("degrees of freedom " + df + " < 1");
        }
        return new TDistribution(null, df).inverseCumulativeProbability(p);
    }

    /** For a difference: above zero at 95%, below it, an interval across zero, or no interval (one seed). */
    public Verdict verdict() {
        if (n < 2) {
            return Verdict.SINGLE_SEED;
        }
        return low > 0 ? Verdict.AHEAD : high < 0 ? Verdict.BEHIND : Verdict.NOT_DISTINGUISHABLE;
    }
}
