package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * DL4J's 2-D convolution, minus one forward convolution per backward one.
 * <p>
 * DL4J's {@code ConvolutionLayer} recomputes its whole forward output at the start of its backward
 * pass, into the layers' working memory, only to apply its activation's derivative to it. Every
 * convolution in ddep's models has the identity activation (BatchNorm and ReLU are layers of their
 * own), whose derivative passes the incoming gradient through unchanged, so the recomputed output is
 * never read: per training step it costs one forward convolution of compute and one output-sized
 * array of working memory per layer (at 512x512 the decoder's last convolution: 16 MB per image).
 * This layer's backward pass is libnd4j's {@code conv2d_bp} op alone, the op DL4J's oneDNN helper
 * runs on CPU, and which has a CUDA implementation of its own on a GPU executor (where DL4J
 * 1.0.0-M2.1 has no cuDNN helper and its built-in path adds an im2col and two matrix products to the
 * recomputed forward pass). It falls back to DL4J's backward pass wherever the shortcut does not
 * apply: another activation, dropout or weight noise, or NHWC. Parameters, their names and order,
 * the forward pass and serialisation are DL4J's.
 */
public final class LeanConvolution extends ConvolutionLayer {

    /** For deserialisation. */
    public LeanConvolution() {
    }

    private LeanConvolution(Builder builder) {
        super(builder);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                        Collection<TrainingListener> listeners, int layerIndex,
                                                        INDArray paramsView, boolean initializeParams,
                                                        DataType networkDataType) {
        return Runtimes.wire(new LeanConvolutionLayer(conf, networkDataType), conf, listeners, layerIndex,
                paramsView, initializeParams, initializer());
    }

    /** {@link ConvolutionLayer.Builder} that builds a {@link LeanConvolution}. */
    public static final class Builder extends ConvolutionLayer.Builder {
        public Builder(int... kernelSize) {
            super(kernelSize);
        }

        @Override
        public LeanConvolution build() {
            ConvolutionUtils.validateConvolutionModePadding(convolutionMode, padding);
            ConvolutionUtils.validateCnnKernelStridePadding(kernelSize, stride, padding);
            return new LeanConvolution(this);
        }
    }
}
