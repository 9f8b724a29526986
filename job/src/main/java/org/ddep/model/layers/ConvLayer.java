package org.ddep.model.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;

/**
 * Base of the custom layers: NCHW in, NCHW out, defined for the input's actual spatial size.
 * Subclasses keep a no-argument constructor and plain fields, which is what DL4J's JSON
 * configuration (model files, Spark broadcasts) needs.
 */
public abstract class ConvLayer extends SameDiffLayer {

    protected ConvLayer() {
    }

    /** The layer's output for NCHW {@code x} of [-1, channels, h, w]. */
    protected abstract SDVariable define(SameDiff sd, SDVariable x, Map<String, SDVariable> params, long channels,
                                         long h, long w);

    /** Output type for a convolutional input type (same size and channels unless overridden). */
    protected InputType outputType(InputType.InputTypeConvolutional in) {
        return in;
    }

    @Override
    public final SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
        return defineFor(sd, input, params, input.getShape());
    }

    /** The layer for NCHW input {@code x} of {@code shape} (the minibatch may be -1). */
    final SDVariable defineFor(SameDiff sd, SDVariable x, Map<String, SDVariable> params, long[] shape) {
        if (shape == null || shape.length != 4 || shape[1] < 1 || shape[2] < 1 || shape[3] < 1) {
            throw new IllegalStateException("layer " + getLayerName() + " needs NCHW input of a known size, got "
                    + java.util.Arrays.toString(shape));
        }
        return define(sd, x, params, shape[1], shape[2], shape[3]);
    }

    @Override
    public final InputType getOutputType(int layerIndex, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional c)) {
            throw new IllegalArgumentException("layer " + getLayerName() + " needs convolutional input, got " + inputType);
        }
        return outputType(c);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        ResizableSameDiffLayer layer = new ResizableSameDiffLayer(conf, networkDataType);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(initializer().init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }

    /** Fills {@code a} from N(0, std^2) in place, using ND4J's seeded generator. */
    protected static void normal(INDArray a, double std) {
        a.assign(org.nd4j.linalg.factory.Nd4j.randn(a.dataType(), a.shape()).muli(std));
    }

    /** He-normal initialisation for a conv weight [kh, kw, in, out]. */
    protected static void he(INDArray w) {
        normal(w, Math.sqrt(2.0 / (w.size(0) * w.size(1) * w.size(2))));
    }

    /** Xavier-uniform-like normal initialisation for a dense weight [in, out]. */
    protected static void xavier(INDArray w) {
        normal(w, Math.sqrt(2.0 / (w.size(0) + w.size(1))));
    }
}
