package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The runtime of {@link InPlaceRelu}. */
final class InPlaceReluLayer extends ParameterFreeLayer<InPlaceRelu> {

    InPlaceReluLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
        assertInputSet(false);
        INDArray out = inActivations(mgr) ? input : mgr.dup(ArrayType.ACTIVATIONS, input);
        return Transforms.relu(out, false);
    }

    /** Whether the input already lives in the workspace this layer's output belongs to (the training pass's). */
    private boolean inActivations(LayerWorkspaceMgr mgr) {
        if (!input.isAttached() || !mgr.isWorkspaceOpen(ArrayType.ACTIVATIONS)) {
            return false;
        }
        return input.data().getParentWorkspace().getId().equals(mgr.getWorkspaceName(ArrayType.ACTIVATIONS));
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        assertInputSet(true);
        // input holds the rectified values when the forward pass ran in place: positive where the
        // pre-activation was, so either serves the derivative.
        INDArray grad = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), epsilon.shape(), 'c');
        Nd4j.exec(new RectifiedLinearDerivative(input, epsilon, grad));
        return new Pair<>(new DefaultGradient(), grad);
    }

    @Override
    public Type type() {
        return Type.FEED_FORWARD;
    }
}
