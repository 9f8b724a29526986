package org.ddep.prep;

import java.io.Serializable;

/**
 * Sums over decoded images, merged across partitions: counts, bytes, sizes, per-channel moments
 * (RGB, 0..255), per-value mask pixel counts and out-of-range labels.
 */
final class ImageStats implements Serializable {
    long images;
    long bytes;
    long pixels;
    int minHeight = Integer.MAX_VALUE;
    int maxHeight;
    int minWidth = Integer.MAX_VALUE;
    int maxWidth;
    long sumHeight;
    long sumWidth;
    final double[] sum = new double[3];
    final double[] sumSq = new double[3];
    final long[] maskValues = new long[256];
    long outOfRangePixels;
    long resized;

    /** Pixels per image that the channel moments look at: an estimate is all normalisation needs. */
    static final int SAMPLE_PIXELS = 16_384;
    long sampled;

    void add(Pixels img, long encodedBytes) {
        int h = img.height();
        int w = img.width();
        images++;
        bytes += encodedBytes;
        pixels += (long) h * w;
        minHeight = Math.min(minHeight, h);
        maxHeight = Math.max(maxHeight, h);
        minWidth = Math.min(minWidth, w);
        maxWidth = Math.max(maxWidth, w);
        sumHeight += h;
        sumWidth += w;
        // A strided sample: converting every pixel of every image cost as much as decoding it.
        int stride = Math.max(1, (int) Math.sqrt((double) h * w / SAMPLE_PIXELS));
        for (int y = 0; y < h; y += stride) {
            for (int x = 0; x < w; x += stride) {
                int p = img.rgbAt(y, x);
                int r = (p >> 16) & 0xff;
                int g = (p >> 8) & 0xff;
                int b = p & 0xff;
                sum[0] += r;
                sum[1] += g;
                sum[2] += b;
                sumSq[0] += r * r;
                sumSq[1] += g * g;
                sumSq[2] += b * b;
                sampled++;
            }
        }
    }

    void addMask(int[] trainIds, int outOfRange) {
        for (int v : trainIds) {
            maskValues[v]++;
        }
        outOfRangePixels += outOfRange;
    }

    ImageStats merge(ImageStats o) {
        images += o.images;
        bytes += o.bytes;
        pixels += o.pixels;
        minHeight = Math.min(minHeight, o.minHeight);
        maxHeight = Math.max(maxHeight, o.maxHeight);
        minWidth = Math.min(minWidth, o.minWidth);
        maxWidth = Math.max(maxWidth, o.maxWidth);
        sumHeight += o.sumHeight;
        sumWidth += o.sumWidth;
        for (int c = 0; c < 3; c++) {
            sum[c] += o.sum[c];
            sumSq[c] += o.sumSq[c];
        }
        for (int i = 0; i < maskValues.length; i++) {
            maskValues[i] += o.maskValues[i];
        }
        outOfRangePixels += o.outOfRangePixels;
        resized += o.resized;
        sampled += o.sampled;
        return this;
    }

    double[] mean() {
        double[] m = new double[3];
        for (int c = 0; c < 3; c++) {
            m[c] = sampled == 0 ? 0 : sum[c] / sampled;
        }
        return m;
    }

    double[] std() {
        double[] m = mean();
        double[] s = new double[3];
        for (int c = 0; c < 3; c++) {
            s[c] = sampled == 0 ? 0 : Math.sqrt(Math.max(0, sumSq[c] / sampled - m[c] * m[c]));
        }
        return s;
    }

    /** Highest train id present in the masks (ignore excluded), or -1. */
    int maxClassId() {
        for (int v = ShardSchema.IGNORE - 1; v >= 0; v--) {
            if (maskValues[v] > 0) {
                return v;
            }
        }
        return -1;
    }
}
