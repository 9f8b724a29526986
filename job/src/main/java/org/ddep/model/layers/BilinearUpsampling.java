package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The runtime of {@link Upsample2x}. Along one axis of n samples, output 2i is 3/4 of input i plus
 * 1/4 of input i-1 and output 2i+1 is 3/4 of input i plus 1/4 of input i+1, the neighbour clamped
 * at the edges. Rows first, then columns; the backward pass applies the transposed maps in the
 * opposite order.
 */
final class BilinearUpsampling extends AbstractLayer<Upsample2x> {
    private static final double NEAR = 0.75;
    private static final double FAR = 0.25;

    BilinearUpsampling(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        if (input.rank() != 4) {
            throw new IllegalArgumentException("layer " + layerId() + " needs NCHW input, got shape "
                    + java.util.Arrays.toString(input.shape()));
        }
        long mb = input.size(0);
        long c = input.size(1);
        long h = input.size(2);
        long w = input.size(3);
        INDArray rows = mgr.createUninitialized(ArrayType.FF_WORKING_MEM, input.dataType(), new long[]{mb, c, 2 * h, w}, 'c');
        upAxis(input, rows, 2, mgr, ArrayType.FF_WORKING_MEM);
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[]{mb, c, 2 * h, 2 * w}, 'c');
        upAxis(rows, out, 3, mgr, ArrayType.FF_WORKING_MEM);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        long mb = input.size(0);
        long c = input.size(1);
        long h = input.size(2);
        long w = input.size(3);
        INDArray rows = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, epsilon.dataType(), new long[]{mb, c, 2 * h, w}, 'c');
        downAxis(epsilon, rows, 3, mgr, ArrayType.BP_WORKING_MEM);
        INDArray grad = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), new long[]{mb, c, h, w}, 'c');
        downAxis(rows, grad, 2, mgr, ArrayType.BP_WORKING_MEM);
        return new Pair<>(new DefaultGradient(), grad);
    }

    /** Upsamples {@code x} 2x along {@code axis} (2 or 3) into {@code out}. */
    static void upAxis(INDArray x, INDArray out, int axis, LayerWorkspaceMgr mgr, ArrayType tmpType) {
        long n = x.size(axis);
        INDArray[] parity = parity(out, axis);
        INDArray even = parity[0];
        INDArray odd = parity[1];
        INDArray scaled = mgr.createUninitialized(tmpType, x.dataType(), x.shape(), 'c');
        scaled.assign(x).muli(FAR);                                           // 1/4 of every input
        even.assign(x).muli(NEAR);
        odd.assign(x).muli(NEAR);
        if (n > 1) {
            even.get(along(axis, NDArrayIndex.interval(1, n))).addi(scaled.get(along(axis, NDArrayIndex.interval(0, n - 1))));
            odd.get(along(axis, NDArrayIndex.interval(0, n - 1))).addi(scaled.get(along(axis, NDArrayIndex.interval(1, n))));
        }
        even.get(along(axis, NDArrayIndex.point(0))).addi(scaled.get(along(axis, NDArrayIndex.point(0))));
        odd.get(along(axis, NDArrayIndex.point(n - 1))).addi(scaled.get(along(axis, NDArrayIndex.point(n - 1))));
    }

    /** The transpose of {@link #upAxis}: folds gradient {@code g} of the 2n samples along {@code axis} into {@code out} of n. */
    static void downAxis(INDArray g, INDArray out, int axis, LayerWorkspaceMgr mgr, ArrayType tmpType) {
        long n = out.size(axis);
        INDArray[] parity = parity(g, axis);   // only read: a reshape copies an epsilon that is not c-contiguous
        INDArray even = parity[0];
        INDArray odd = parity[1];
        out.assign(even).addi(odd).muli(NEAR);
        INDArray far = mgr.createUninitialized(tmpType, g.dataType(), out.shape(), 'c');
        // input i-1 receives 1/4 of even output i; input i+1 receives 1/4 of odd output i
        far.assign(even).muli(FAR);
        if (n > 1) {
            out.get(along(axis, NDArrayIndex.interval(0, n - 1))).addi(far.get(along(axis, NDArrayIndex.interval(1, n))));
        }
        out.get(along(axis, NDArrayIndex.point(0))).addi(far.get(along(axis, NDArrayIndex.point(0))));
        far.assign(odd).muli(FAR);
        if (n > 1) {
            out.get(along(axis, NDArrayIndex.interval(1, n))).addi(far.get(along(axis, NDArrayIndex.interval(0, n - 1))));
        }
        out.get(along(axis, NDArrayIndex.point(n - 1))).addi(far.get(along(axis, NDArrayIndex.point(n - 1))));
    }

    /**
     * Views of the even and odd samples along {@code axis} of c-ordered NCHW {@code a}: the axis split
     * into [n, 2] by a reshape (a view of a c-ordered array), then either half of the pair.
     */
    private static INDArray[] parity(INDArray a, int axis) {
        long[] s = a.shape();
        long[] split = axis == 2 ? new long[]{s[0], s[1], s[2] / 2, 2, s[3]} : new long[]{s[0], s[1], s[2], s[3] / 2, 2};
        INDArray r = a.reshape('c', split);
        INDArrayIndex[] idx = {NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()};
        INDArray[] halves = new INDArray[2];
        for (int k = 0; k < 2; k++) {
            idx[axis + 1] = NDArrayIndex.point(k);
            halves[k] = r.get(idx);
        }
        return halves;
    }

    private static INDArrayIndex[] along(int axis, INDArrayIndex index) {
        INDArrayIndex[] idx = {NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()};
        idx[axis] = index;
        return idx;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
    }

    @Override
    public Type type() {
        return Type.UPSAMPLING;
    }
}
