package org.ddep.model.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/** The runtime of {@link UpsampleConcat}: the upsampling writes straight into the concatenation's channels. */
final class UpsampleConcatVertex extends BaseGraphVertex {
    private long[] xShape;
    private long[] skipShape;

    UpsampleConcatVertex(ComputationGraph graph, String name, int vertexIndex, DataType dataType) {
        super(graph, name, vertexIndex, null, null, dataType);
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr mgr) {
        if (!canDoForward()) {
            throw new IllegalStateException("vertex " + getVertexName() + ": inputs not set");
        }
        INDArray x = inputs[0].castTo(dataType);
        INDArray skip = inputs[1].castTo(dataType);
        xShape = x.shape();
        skipShape = skip.shape();
        if (x.rank() != 4 || skip.rank() != 4 || skipShape[0] != xShape[0]
                || skipShape[2] != 2 * xShape[2] || skipShape[3] != 2 * xShape[3]) {
            throw new IllegalArgumentException("vertex " + getVertexName() + " needs NCHW x and a skip twice its size,"
                    + " got " + Arrays.toString(xShape) + " and " + Arrays.toString(skipShape));
        }
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType,
                new long[]{xShape[0], xShape[1] + skipShape[1], skipShape[2], skipShape[3]}, 'c');
        BilinearUpsampling.up(x, out, 0, mgr.createUninitialized(ArrayType.FF_WORKING_MEM, dataType, xShape, 'c'));
        skipChannels(out).assign(skip);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr mgr) {
        if (!canDoBackward()) {
            throw new IllegalStateException("vertex " + getVertexName() + ": epsilon not set");
        }
        INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), xShape, 'c');
        BilinearUpsampling.upTransposed(epsilon, 0, dx,
                mgr.createUninitialized(ArrayType.BP_WORKING_MEM, epsilon.dataType(), xShape, 'c'));
        INDArray dSkip = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), skipShape, 'c');
        dSkip.assign(skipChannels(epsilon));
        return new Pair<>(null, new INDArray[]{dx, dSkip});
    }

    private INDArray skipChannels(INDArray a) {
        return a.get(NDArrayIndex.all(), NDArrayIndex.interval(xShape[1], xShape[1] + skipShape[1]),
                NDArrayIndex.all(), NDArrayIndex.all());
    }

    @Override
    public void setBackpropGradientsViewArray(INDArray backpropGradientsViewArray) {
        if (backpropGradientsViewArray != null) {
            throw new IllegalStateException("vertex " + getVertexName() + " has no parameters");
        }
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
                                                           int minibatchSize) {
        if (maskArrays != null && Arrays.stream(maskArrays).anyMatch(m -> m != null)) {
            throw new UnsupportedOperationException("vertex " + getVertexName() + " takes no masks");
        }
        return new Pair<>(null, currentMaskState);
    }

    @Override
    public boolean hasLayer() {
        return false;
    }

    @Override
    public Layer getLayer() {
        return null;
    }

    @Override
    public String toString() {
        return "UpsampleConcatVertex(id=" + getVertexIndex() + ",name=\"" + getVertexName() + "\")";
    }
}
