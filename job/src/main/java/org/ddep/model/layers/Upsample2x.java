package org.ddep.model.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.NoParamLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.params.EmptyParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Bilinear 2x upsampling (half-pixel centres, edges clamped: PyTorch's
 * {@code interpolate(scale_factor=2, mode="bilinear", align_corners=False)}), with gradients; DL4J's
 * own Upsampling2D only repeats pixels. The cascaded decoder's upsampling step.
 * <p>
 * A plain DL4J layer ({@link BilinearUpsampling}) with its own backward pass: forward and backward
 * write into DL4J's workspaces through strided views, with one input-sized working array
 * each and nothing kept between the passes but the input DL4J already holds.
 */
public final class Upsample2x extends NoParamLayer {

    public Upsample2x() {
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                        Collection<TrainingListener> listeners, int layerIndex,
                                                        INDArray paramsView, boolean initializeParams,
                                                        DataType networkDataType) {
        return Runtimes.wire(new BilinearUpsampling(conf, networkDataType), conf, listeners, layerIndex, paramsView,
                initializeParams, initializer());
    }

    @Override
    public ParamInitializer initializer() {
        return EmptyParamInitializer.getInstance();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional in)) {
            throw new IllegalArgumentException("layer " + getLayerName() + " needs convolutional input, got " + inputType);
        }
        return InputType.convolutional(in.getHeight() * 2, in.getWidth() * 2, in.getChannels());
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType out = getOutputType(-1, inputType);
        return new LayerMemoryReport.Builder(layerName, Upsample2x.class, inputType, out)
                .standardMemory(0, 0)
                // one input-sized array, in both passes
                .workingMemory(0, inputType.arrayElementsPerExample(), 0, inputType.arrayElementsPerExample())
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }
}
