package org.ddep.model.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/** Wires a custom layer's runtime the way DL4J's own layer configurations do in {@code instantiate}. */
final class Runtimes {
    private Runtimes() {
    }

    static <L extends Layer> L wire(L layer, NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
                                    int layerIndex, INDArray paramsView, boolean initializeParams, ParamInitializer init) {
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(init.init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }
}
