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
 * ReLU, applied in place where it is safe: the ReLU after each BatchNormalization and after each
 * residual add.
 * <p>
 * DL4J's {@code BatchNormalization} accepts an activation in its builder and never applies it (its
 * {@code activate} returns the normalised input), so a block written {@code BatchNormalization
 * .activation(RELU)} is linear. The ReLU must be a layer of its own. DL4J's {@code ActivationLayer}
 * copies its input, which costs a full activation per BatchNormalization; this layer instead
 * rectifies its input where it lies when that is in the training pass's activations workspace, so
 * the ReLU adds no activation memory, and its backward pass reads the rectified values (positive
 * exactly where the input was). Contract: the input vertex has no other reader, which every model
 * builder keeps and {@code ModelContractsTest} checks; outside that workspace (inference, or an
 * input the caller owns) the input is copied first.
 */
public final class InPlaceRelu extends NoParamLayer {

    public InPlaceRelu() {
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                        Collection<TrainingListener> listeners, int layerIndex,
                                                        INDArray paramsView, boolean initializeParams,
                                                        DataType networkDataType) {
        return Runtimes.wire(new InPlaceReluLayer(conf, networkDataType), conf, listeners, layerIndex, paramsView,
                initializeParams, initializer());
    }

    @Override
    public ParamInitializer initializer() {
        return EmptyParamInitializer.getInstance();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        return new LayerMemoryReport.Builder(layerName, InPlaceRelu.class, inputType, inputType)
                .standardMemory(0, 0)
                .workingMemory(0, 0, MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }
}
