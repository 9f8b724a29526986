package org.ddep.data;

import org.ddep.noise.DenoisingObjective;
import org.ddep.prep.ShardSchema;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One training example per stage, in Java memory until a minibatch is stacked ({@link HostExample})
 * (DESIGN.md "Models", heads): classification (image, one-hot class), denoising (noisy image,
 * target) and segmentation (image, per-pixel class indices, a per-pixel label mask that is 0 on
 * ignore pixels).
 */
public final class Examples {
    private Examples() {
    }

    public static HostExample classification(Augment.Sample s, int label, int classes) {
        if (label < 0 || label >= classes) {
            throw new IllegalArgumentException("class " + label + " outside [0, " + classes + ")");
        }
        float[] y = new float[classes];
        y[label] = 1f;
        return new HostExample(new HostExample.Part[]{imagePart(s.chw(), s.height(), s.width())},
                new HostExample.Part[]{HostExample.Part.of(y, classes)}, null);
    }

    public static HostExample denoising(DenoisingObjective.Example e, int h, int w) {
        return new HostExample(new HostExample.Part[]{imagePart(e.input(), h, w)},
                new HostExample.Part[]{imagePart(e.target(), h, w)}, null);
    }

    public static HostExample segmentation(Augment.Sample s, int classes) {
        int h = s.height();
        int w = s.width();
        int plane = h * w;
        // Class indices, one byte per pixel (the shards' masks are uint8 train ids), where a one-hot took one
        // per class and pixel (39 MB per ADE20K crop at 512): the head's loss expands them
        // (model.layers.SparseCnnLossLayer). Ignore pixels hold 0 and are masked out.
        byte[] index = new byte[plane];
        float[] keep = new float[plane];
        int[] m = s.mask();
        for (int i = 0; i < plane; i++) {
            int c = m[i];
            if (c == ShardSchema.IGNORE) {
                continue;
            }
            if (c < 0 || c >= classes) {
                throw new IllegalArgumentException("mask value " + c + " outside [0, " + classes + ") and not ignore");
            }
            index[i] = (byte) c;
            keep[i] = 1f;
        }
        // Rank-4 [mb, 1, h, w] mask: DL4J's CnnLossLayer takes it per pixel, and merging keeps rank-4 masks.
        return new HostExample(new HostExample.Part[]{imagePart(s.chw(), h, w)},
                new HostExample.Part[]{HostExample.Part.of(index, 1, h, w)},
                new HostExample.Part[]{HostExample.Part.of(keep, 1, h, w)});
    }

    /** An image as a minibatch of one, [1, 3, h, w] (prediction, pictures). */
    public static INDArray image(float[] chw, int h, int w) {
        return Nd4j.create(chw, new long[]{1, 3, h, w}, 'c');
    }

    private static HostExample.Part imagePart(float[] chw, int h, int w) {
        return HostExample.Part.of(chw, 3, h, w);
    }
}
