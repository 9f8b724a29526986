package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.AbstractLayer;
import org.nd4j.linalg.api.buffer.DataType;

/** The runtime of a custom layer without parameters: nothing to pretrain, no noise on weights. */
abstract class ParameterFreeLayer<T extends org.deeplearning4j.nn.conf.layers.Layer> extends AbstractLayer<T> {

    ParameterFreeLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public final boolean isPretrainLayer() {
        return false;
    }

    @Override
    public final void clearNoiseWeightParams() {
    }
}
