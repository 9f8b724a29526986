package org.ddep.data;

import org.ddep.noise.DenoisingObjective;
import org.ddep.prep.ShardSchema;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One training example per stage as a DL4J MultiDataSet of one row (DESIGN.md "Models", heads):
 * classification (image, one-hot class), denoising (noisy image, target) and segmentation (image,
 * per-pixel class indices, a per-pixel label mask that is 0 on ignore pixels).
 */
public final class Examples {
    private Examples() {
    }

    public static MultiDataSet classification(Augment.Sample s, int label, int classes) {
        if (label < 0 || label >= classes) {
            throw new IllegalArgumentException("class " + label + " outside [0, " + classes + ")");
        }
        INDArray y = Nd4j.zeros(1, classes);
        y.putScalar(0, label, 1f);
        return new org.nd4j.linalg.dataset.MultiDataSet(image(s.chw(), s.height(), s.width()), y);
    }

    public static MultiDataSet denoising(DenoisingObjective.Example e, int h, int w) {
        return new org.nd4j.linalg.dataset.MultiDataSet(image(e.input(), h, w), image(e.target(), h, w));
    }

    public static MultiDataSet segmentation(Augment.Sample s, int classes) {
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
        INDArray labels = Nd4j.createUninitialized(DataType.UINT8, new long[]{1, 1, h, w}, 'c');
        // One bulk copy into the native buffer: DataBuffer.setData(byte[]) puts element by element (4 ms at 512x512).
        labels.data().asNio().put(index);
        // Rank-4 [mb, 1, h, w] mask: DL4J's CnnLossLayer takes it per pixel, and merging keeps rank-4 masks.
        INDArray mask = Nd4j.create(keep, new long[]{1, 1, h, w}, 'c');
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{image(s.chw(), h, w)}, new INDArray[]{labels},
                null, new INDArray[]{mask});
    }

    public static INDArray image(float[] chw, int h, int w) {
        return Nd4j.create(chw, new long[]{1, 3, h, w}, 'c');
    }
}
