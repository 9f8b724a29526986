package org.ddep.model.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The SameDiff building blocks of the custom layers. Every layer is defined for the spatial size
 * of the input it is first given (see {@link ResizableSameDiffLayer}), so shapes here are static
 * apart from the minibatch.
 */
final class Ops {
    private Ops() {
    }

    /**
     * A weight-standardised, bias-free 2-D convolution (BiT's StdConv) of NCHW {@code x} with
     * [kh, kw, in, out] weights, standardised and padded as convention {@code c} does.
     */
    static SDVariable stdConv(SDVariable x, SDVariable w, int kernel, int stride, EncoderConvention c) {
        Conv2DConfig.Conv2DConfigBuilder b = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride)
                .dataFormat(Conv2DConfig.NCHW).weightsFormat(WeightsFormat.YXIO);
        if (c == EncoderConvention.JAX && stride > 1) {
            b.paddingMode(PaddingMode.SAME);   // TF/JAX 'SAME': total padding split with the odd pixel after
        } else {
            // Unit stride, odd kernel: 'SAME' is this symmetric padding, and libnd4j's explicit-padding path
            // ran a 3x3 convolution's forward and backward about a quarter faster than its SAME mode.
            int pad = (kernel - 1) / 2;
            b.paddingMode(PaddingMode.VALID).pH(pad).pW(pad);
        }
        return x.getSameDiff().cnn().conv2d(x, c.standardize(w), b.build());
    }

    /**
     * GroupNorm of NCHW {@code x} ({@code channels} split into {@code groups}), then a per-channel
     * affine transform with {@code scale} and {@code bias} of shape [1, C].
     * <p>
     * Written so that the layer's backward pass keeps as few full-size arrays as it can: the statistics are
     * taken per channel (mean and variance over H, W; both backward passes need only {@code x}),
     * combined per group (equal-sized channels: the group's mean is the mean of its channels' means, its
     * variance the mean of their variances plus the variance of their means), and folded with the affine
     * transform into one per-(image, channel) factor and shift. The full-size arrays are then {@code x}
     * itself, {@code x * factor} and the result; the textbook form (centre, square, normalise, scale, shift,
     * with the reshapes in between) kept eight, and a custom layer's intermediates are all alive at once
     * while its backward pass runs.
     */
    static SDVariable groupNorm(SDVariable x, SDVariable scale, SDVariable bias, long channels, long h, long w,
                                int groups, double eps) {
        SameDiff sd = x.getSameDiff();
        long per = channels / groups;
        SDVariable channelMean = sd.reshape(x.mean(true, 2, 3), -1, groups, per);                    // [N, G, C/G]
        // Biased variance as the unbiased one times (n - 1) / n: the backward pass of ND4J's biased variance
        // (reduce_variance_bp, 1.0.0-M2.1) differs from finite differences, the unbiased one's does not.
        long n = h * w;
        SDVariable channelVar = n == 1 ? channelMean.mul(0)
                : sd.reshape(sd.variance(x, true, false, 2, 3).mul((double) (n - 1) / n), -1, groups, per);
        SDVariable mean = channelMean.mean(true, 2);                                                 // [N, G, 1]
        SDVariable spread = channelMean.sub(mean);
        SDVariable var = channelVar.mean(true, 2).add(spread.mul(spread).mean(true, 2));
        SDVariable factor = sd.math().rsqrt(var.add(eps)).mul(sd.reshape(scale, 1, groups, per));   // [N, G, C/G]
        SDVariable shift = sd.reshape(bias, 1, groups, per).sub(mean.mul(factor));
        return x.mul(sd.reshape(factor, -1, channels, 1, 1)).add(sd.reshape(shift, -1, channels, 1, 1));
    }

    /** LayerNorm over dimension {@code dim} (kept for broadcasting), with affine {@code scale} and {@code bias} already broadcastable. */
    static SDVariable layerNorm(SDVariable x, SDVariable scale, SDVariable bias, int dim, double eps) {
        SDVariable centred = x.sub(x.mean(true, dim));
        SDVariable var = centred.mul(centred).mean(true, dim);
        return centred.mul(x.getSameDiff().math().rsqrt(var.add(eps))).mul(scale).add(bias);
    }

    /**
     * The [to, from] matrix of 1-D linear interpolation from {@code from} samples to {@code to}
     * samples with half-pixel centres and edge clamping; multiplying by it resizes one axis.
     */
    static INDArray interpolationMatrix(int to, int from, DataType type) {
        double[][] m = new double[to][from];
        double scale = (double) from / to;
        for (int i = 0; i < to; i++) {
            double src = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), from - 1);
            int lo = (int) Math.floor(src);
            int hi = Math.min(lo + 1, from - 1);
            double frac = src - lo;
            m[i][lo] += 1 - frac;
            m[i][hi] += frac;
        }
        return Nd4j.create(m).castTo(type);
    }

    /** Resizes [1, C, h, w] {@code grid} to [1, C, toH, toW] bilinearly (matrix products, so gradients flow). */
    static SDVariable resizeGrid(SDVariable grid, long channels, int h, int w, int toH, int toW) {
        SameDiff sd = grid.getSameDiff();
        DataType type = grid.dataType();
        SDVariable rw = sd.constant(interpolationMatrix(toW, w, type).transpose().dup());   // [w, toW]
        SDVariable rh = sd.constant(interpolationMatrix(toH, h, type).transpose().dup());   // [h, toH]
        SDVariable x = sd.reshape(grid, channels * h, w).mmul(rw);                           // [C*h, toW]
        x = sd.permute(sd.reshape(x, channels, h, toW), 0, 2, 1);                             // [C, toW, h]
        x = sd.reshape(x, channels * toW, h).mmul(rh);                                       // [C*toW, toH]
        x = sd.permute(sd.reshape(x, channels, toW, toH), 0, 2, 1);                           // [C, toH, toW]
        return sd.reshape(x, 1, channels, toH, toW);
    }

    /** Resizes a [1, C, h, w] array eagerly, the same way {@link #resizeGrid} does in a graph. */
    static INDArray resizeGrid(INDArray grid, int toH, int toW) {
        long c = grid.size(1);
        int h = (int) grid.size(2);
        int w = (int) grid.size(3);
        INDArray rw = interpolationMatrix(toW, w, grid.dataType()).transpose();
        INDArray rh = interpolationMatrix(toH, h, grid.dataType()).transpose();
        INDArray x = grid.dup('c').reshape('c', c * h, w).mmul(rw);
        x = x.reshape('c', c, h, toW).permute(0, 2, 1).dup('c').reshape('c', c * toW, h).mmul(rh);
        return x.reshape('c', c, toW, toH).permute(0, 2, 1).dup('c').reshape('c', 1, c, toH, toW);
    }
}
