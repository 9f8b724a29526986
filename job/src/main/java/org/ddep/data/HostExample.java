package org.ddep.data;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;

/**
 * One training example in Java memory, before it joins a minibatch: its features, labels and
 * label masks as plain arrays (FLOAT, or UINT8 for class indices), each with its shape without the
 * batch dimension. {@link #stack} copies a minibatch of them straight into one ND4J array per part.
 * Building each example as its own ND4J arrays and merging them (DL4J's {@code MultiDataSet.merge})
 * allocated and filled every byte twice, off-heap: at a 512x512 crop that was about 5 ms per example
 * against 0.8 ms for PyTorch's {@code torch.stack} (docs/benchmarks.md, "Training input per core").
 * The arrays come from {@link MinibatchBuffers}: those of a consumed minibatch, once released, are
 * filled again rather than allocated (zero-filled and paged in) anew.
 */
public final class HostExample {
    /** One array of an example: FLOAT data in {@code floats}, or UINT8 data in {@code bytes}. */
    public record Part(long[] shape, float[] floats, byte[] bytes) {
        public Part {
            long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            if ((floats == null) == (bytes == null) || (floats != null ? floats.length : bytes.length) != n) {
                throw new IllegalArgumentException("a part holds either floats or bytes, " + n + " for shape "
                        + Arrays.toString(shape));
            }
        }

        public static Part of(float[] data, long... shape) {
            return new Part(shape, data, null);
        }

        public static Part of(byte[] data, long... shape) {
            return new Part(shape, null, data);
        }

        DataType type() {
            return floats != null ? DataType.FLOAT : DataType.UINT8;
        }

        int length() {
            return floats != null ? floats.length : bytes.length;
        }
    }

    private final Part[] features;
    private final Part[] labels;
    private final Part[] labelMasks;

    public HostExample(Part[] features, Part[] labels, Part[] labelMasks) {
        this.features = features;
        this.labels = labels;
        this.labelMasks = labelMasks;
    }

    public Part[] features() {
        return features;
    }

    public Part[] labels() {
        return labels;
    }

    /** This example alone as a minibatch of one. */
    public MultiDataSet toMultiDataSet() {
        return stack(List.of(this));
    }

    /** The examples as one minibatch: one allocation and one bulk copy per example and part. */
    public static MultiDataSet stack(List<HostExample> examples) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("an empty minibatch");
        }
        HostExample first = examples.get(0);
        INDArray[] f = stackParts(examples, 0);
        INDArray[] l = stackParts(examples, 1);
        INDArray[] m = first.labelMasks == null ? null : stackParts(examples, 2);
        return new org.nd4j.linalg.dataset.MultiDataSet(f, l, null, m);
    }

    private Part[] parts(int kind) {
        return kind == 0 ? features : kind == 1 ? labels : labelMasks;
    }

    private static INDArray[] stackParts(List<HostExample> examples, int kind) {
        Part[] template = examples.get(0).parts(kind);
        INDArray[] out = new INDArray[template.length];
        for (int p = 0; p < template.length; p++) {
            Part t = template[p];
            long[] shape = new long[t.shape().length + 1];
            shape[0] = examples.size();
            System.arraycopy(t.shape(), 0, shape, 1, t.shape().length);
            INDArray a = MinibatchBuffers.take(t.type(), shape);
            // Written through the host pointer: on a CUDA backend the host copy must be current before and
            // marked as the newest after, or the device would keep stale memory (no-ops on CPU).
            Nd4j.getAffinityManager().ensureLocation(a, AffinityManager.Location.HOST);
            int len = t.length();
            for (int i = 0; i < examples.size(); i++) {
                Part x = examples.get(i).parts(kind)[p];
                if (x.type() != t.type() || !Arrays.equals(x.shape(), t.shape())) {
                    throw new IllegalArgumentException("example " + i + " of a minibatch has a " + x.type() + " "
                            + Arrays.toString(x.shape()) + " where the first has " + t.type() + " " + Arrays.toString(t.shape()));
                }
                long at = (long) i * len;
                if (x.floats() != null) {
                    new FloatPointer(a.data().pointer()).position(at).put(x.floats(), 0, len);
                } else {
                    new BytePointer(a.data().pointer()).position(at).put(x.bytes(), 0, len);
                }
            }
            Nd4j.getAffinityManager().tagLocation(a, AffinityManager.Location.HOST);
            out[p] = a;
        }
        return out;
    }
}
