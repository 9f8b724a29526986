package org.ddep.eval;

import org.ddep.prep.ShardSchema;

import java.io.Serializable;

/** Counts of (true class, predicted class) pixel pairs; ignore pixels are not counted. Summed across partitions. */
public final class ConfusionMatrix implements Serializable {
    private final int classes;
    private final long[] counts;
    private long images;

    public ConfusionMatrix(int classes) {
        this.classes = classes;
        this.counts = new long[classes * classes];
    }

    public int classes() {
        return classes;
    }

    /** Adds one image: {@code truth} holds train ids or 255, {@code predicted} train ids. */
    public ConfusionMatrix add(int[] truth, int[] predicted) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException("truth has " + truth.length + " pixels, prediction " + predicted.length);
        }
        for (int i = 0; i < truth.length; i++) {
            int t = truth[i];
            if (t == ShardSchema.IGNORE) {
                continue;
            }
            if (t < 0 || t >= classes) {
                throw new IllegalArgumentException("true label " + t + " outside [0, " + classes + ") and not ignore");
            }
            int q = predicted[i];
            if (q < 0 || q >= classes) {
                throw new IllegalArgumentException("predicted class " + q + " outside [0, " + classes + ")");
            }
            counts[t * classes + q]++;
        }
        images++;
        return this;
    }

    public ConfusionMatrix merge(ConfusionMatrix o) {
        if (o.classes != classes) {
            throw new IllegalArgumentException("cannot merge " + o.classes + "-class into " + classes + "-class matrix");
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] += o.counts[i];
        }
        images += o.images;
        return this;
    }

    public long count(int truth, int predicted) {
        return counts[truth * classes + predicted];
    }

    public long images() {
        return images;
    }

    public long pixels() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }
}
