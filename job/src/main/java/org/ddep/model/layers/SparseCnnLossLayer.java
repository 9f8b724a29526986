package org.ddep.model.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossSparseMCXENT;

import java.util.Arrays;
import java.util.Collection;

/**
 * The segmentation head's loss on class-index labels: per-pixel softmax cross-entropy (DL4J's
 * LossSparseMCXENT, which expands the indices to the one-hot MCXENT reads, so score and gradient are
 * MCXENT's) for labels of [mb, 1, h, w] holding each pixel's class, with the per-pixel mask that is 0
 * on ignore pixels. A dense one-hot label costs C bytes per pixel in every example (39 MB per ADE20K
 * crop at 512); an index costs one. DL4J's own CnnLossLayer computes the same but refuses, in
 * backprop, labels shaped unlike its input; that check is all this layer changes.
 */
public class SparseCnnLossLayer extends CnnLossLayer {

    /** For DL4J's JSON configuration; use {@link #softmax()}. */
    public SparseCnnLossLayer() {
    }

    public static SparseCnnLossLayer softmax() {
        SparseCnnLossLayer l = new SparseCnnLossLayer();
        l.setLossFn(new LossSparseMCXENT());
        l.setActivationFn(Activation.SOFTMAX.getActivationFunction());
        return l;
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        return Runtimes.wire(new Runtime(conf, networkDataType), conf, listeners, layerIndex, paramsView,
                initializeParams, initializer());
    }

    /** DL4J's CnnLossLayer with the label shape checked as class indices. */
    static final class Runtime extends org.deeplearning4j.nn.layers.convolution.CnnLossLayer {
        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
            assertInputSet(true);
            CNN2DFormat format = layerConf().getFormat();
            checkLabels(format);
            INDArray input2d = ConvolutionUtils.reshape4dTo2d(input, format, mgr, ArrayType.FF_WORKING_MEM);
            INDArray labels2d = ConvolutionUtils.reshape4dTo2d(labels, format, mgr, ArrayType.FF_WORKING_MEM);
            INDArray mask2d = ConvolutionUtils.reshapeMaskIfRequired(maskArray, input, format, mgr,
                    ArrayType.FF_WORKING_MEM);
            INDArray delta2d = layerConf().getLossFn().computeGradient(labels2d, input2d.dup(input2d.ordering()),
                    layerConf().getActivationFn(), mask2d);
            delta2d = mgr.leverageTo(ArrayType.ACTIVATION_GRAD, delta2d);
            INDArray delta4d = ConvolutionUtils.reshape2dTo4d(delta2d, input.shape(), format, mgr,
                    ArrayType.ACTIVATION_GRAD);
            return new Pair<>(new DefaultGradient(), delta4d);
        }

        private void checkLabels(CNN2DFormat format) {
            if (labels == null) {
                throw new IllegalStateException("layer " + layerId() + ": labels are not set");
            }
            long[] in = input.shape();
            long[] want = in.clone();
            want[format == CNN2DFormat.NCHW ? 1 : 3] = 1;
            if (input.rank() != 4 || !Arrays.equals(want, labels.shape())) {
                throw new IllegalStateException("layer " + layerId() + " takes class-index labels of "
                        + Arrays.toString(want) + " for input " + Arrays.toString(in) + ", got "
                        + Arrays.toString(labels.shape()));
            }
        }
    }
}
