package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
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
 * at the edges. Each of the four output parities (even or odd row, even or odd column) is written
 * directly through a strided view: rows combined into one input-sized working array, then columns
 * into the parity, all in sixteenths (9/16, 3/16, 3/16, 1/16). The backward pass applies the
 * transposed maps in the opposite order, with one input-sized working array as well.
 */
final class BilinearUpsampling extends ParameterFreeLayer<Upsample2x> {
    private static final int ROWS = 2;
    private static final int COLS = 3;
    private static final double SIXTEENTH = 1.0 / 16;

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
        long[] s = input.shape();
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), new long[]{s[0], s[1], 2 * s[2], 2 * s[3]}, 'c');
        up(input, out, 0, mgr.createUninitialized(ArrayType.FF_WORKING_MEM, input.dataType(), s, 'c'));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        INDArray grad = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), input.shape(), 'c');
        upTransposed(epsilon, 0, grad, mgr.createUninitialized(ArrayType.BP_WORKING_MEM, epsilon.dataType(), input.shape(), 'c'));
        return new Pair<>(new DefaultGradient(), grad);
    }

    /**
     * Writes {@code x} upsampled into channels [{@code at}, {@code at} + channels of x) of c-ordered
     * {@code out}; {@code rows} is working memory of x's shape.
     */
    static void up(INDArray x, INDArray out, long at, INDArray rows) {
        INDArray split = split(out);
        long channels = x.size(1);
        for (int r = 0; r < 2; r++) {
            // 4 x (3/4 of row i + 1/4 of its neighbour), then 4 x the same along columns
            rows.assign(x).muli(3);
            addNeighbour(rows, x, ROWS, r == 0 ? -1 : 1);
            for (int c = 0; c < 2; c++) {
                INDArray q = parity(split, r, c, at, channels);
                q.assign(rows).muli(3);
                addNeighbour(q, rows, COLS, c == 0 ? -1 : 1);
                q.muli(SIXTEENTH);
            }
        }
    }

    /**
     * The transpose of {@link #up}: the gradient {@code epsilon} of channels [{@code at}, {@code at} +
     * channels of grad) folded back onto the input, into {@code grad}; {@code cols} is working memory
     * of grad's shape.
     */
    static void upTransposed(INDArray epsilon, long at, INDArray grad, INDArray cols) {
        INDArray split = split(epsilon);
        long channels = grad.size(1);
        for (int r = 0; r < 2; r++) {
            // the column maps transposed, summed over both column parities of row parity r
            INDArray even = parity(split, r, 0, at, channels);
            INDArray odd = parity(split, r, 1, at, channels);
            cols.assign(even).addi(odd).muli(3);
            addNeighbourTransposed(cols, even, COLS, -1);
            addNeighbourTransposed(cols, odd, COLS, 1);
            // then the row map of parity r transposed
            if (r == 0) {
                grad.assign(cols).muli(3);
                addNeighbourTransposed(grad, cols, ROWS, -1);
            } else {
                addNeighbourTransposed(grad, cols, ROWS, 1);
                grad.addi(cols.muli(3));
            }
        }
        grad.muli(SIXTEENTH);
    }

    /** {@code dst[k] += src[k + dir]} along {@code axis}, the neighbour clamped: the edge sample adds itself. */
    static void addNeighbour(INDArray dst, INDArray src, int axis, int dir) {
        long n = dst.size(axis);
        if (n > 1) {
            dst.get(along(axis, dir < 0 ? NDArrayIndex.interval(1, n) : NDArrayIndex.interval(0, n - 1)))
                    .addi(src.get(along(axis, dir < 0 ? NDArrayIndex.interval(0, n - 1) : NDArrayIndex.interval(1, n))));
        }
        long edge = dir < 0 ? 0 : n - 1;
        dst.get(along(axis, NDArrayIndex.point(edge))).addi(src.get(along(axis, NDArrayIndex.point(edge))));
    }

    /**
     * The transpose of {@link #addNeighbour} with the same {@code dir}: {@code dst[k] += src[k - dir]},
     * and the clamped edge sample again receives its own value.
     */
    static void addNeighbourTransposed(INDArray dst, INDArray src, int axis, int dir) {
        long n = dst.size(axis);
        if (n > 1) {
            dst.get(along(axis, dir < 0 ? NDArrayIndex.interval(0, n - 1) : NDArrayIndex.interval(1, n)))
                    .addi(src.get(along(axis, dir < 0 ? NDArrayIndex.interval(1, n) : NDArrayIndex.interval(0, n - 1))));
        }
        long edge = dir < 0 ? 0 : n - 1;
        dst.get(along(axis, NDArrayIndex.point(edge))).addi(src.get(along(axis, NDArrayIndex.point(edge))));
    }

    /**
     * NCHW {@code a} with rows and columns split into [n, 2] by a reshape: a view of a c-ordered array
     * (one that is not c-contiguous, which DL4J may hand in as epsilon, is copied once).
     */
    private static INDArray split(INDArray a) {
        long[] s = a.shape();
        return a.reshape('c', s[0], s[1], s[2] / 2, 2, s[3] / 2, 2);
    }

    /** The view of channels [at, at + channels) of {@link #split} {@code a} at row parity r and column parity c. */
    private static INDArray parity(INDArray split, int r, int c, long at, long channels) {
        return split.get(NDArrayIndex.all(), NDArrayIndex.interval(at, at + channels), NDArrayIndex.all(),
                NDArrayIndex.point(r), NDArrayIndex.all(), NDArrayIndex.point(c));
    }

    private static INDArrayIndex[] along(int axis, INDArrayIndex index) {
        INDArrayIndex[] idx = {NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all()};
        idx[axis] = index;
        return idx;
    }

    @Override
    public Type type() {
        return Type.UPSAMPLING;
    }
}
