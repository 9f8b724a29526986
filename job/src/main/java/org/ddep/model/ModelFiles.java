package org.ddep.model;

import org.ddep.data.HadoopFiles;
import org.ddep.model.layers.SparseCnnLossLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * Models as DL4J ModelSerializer zips, in memory (for broadcasts) or on any Hadoop file system
 * (checkpoints and final models). Custom layers and schedules restore with them.
 */
public final class ModelFiles {
    private static final Logger LOG = LoggerFactory.getLogger("ddep");

    private ModelFiles() {
    }

    public static byte[] toBytes(ComputationGraph net, boolean withUpdater) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, out, withUpdater);
        return out.toByteArray();
    }

    public static ComputationGraph fromBytes(byte[] bytes, boolean withUpdater) throws IOException {
        return withIndexLabels(ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), withUpdater));
    }

    public static void save(HadoopFiles files, String uri, ComputationGraph net, boolean withUpdater) throws IOException {
        files.writeBytes(uri, toBytes(net, withUpdater));
    }

    public static ComputationGraph load(HadoopFiles files, String uri, boolean withUpdater) throws IOException {
        try (InputStream in = files.open(uri)) {
            ComputationGraph saved = ModelSerializer.restoreComputationGraph(in, withUpdater);
            ComputationGraph net = withIndexLabels(saved);
            if (net != saved) {
                LOG.info("{}: saved with the one-hot segmentation head of earlier versions, loaded with the class-index head "
                        + "(same outputs, loss and gradients)", uri);
            }
            return net;
        }
    }

    /**
     * Models saved before labels were class indices (checkpoints and final models of earlier runs) end in
     * DL4J's CnnLossLayer with one-hot MCXENT; they come back with the class-index head instead. It has
     * no parameters and the same softmax output, loss and gradient, so evaluation, prediction and a resumed
     * fine-tuning carry on with the same parameters, updater state and counters.
     */
    static ComputationGraph withIndexLabels(ComputationGraph net) {
        List<String> oneHot = net.getConfiguration().getVertices().entrySet().stream()
                .filter(e -> e.getValue() instanceof LayerVertex lv && isOneHotHead(lv.getLayerConf().getLayer()))
                .map(Map.Entry::getKey).toList();
        if (oneHot.isEmpty()) {
            return net;
        }
        ComputationGraphConfiguration conf = net.getConfiguration().clone();
        for (String name : oneHot) {
            NeuralNetConfiguration layer = ((LayerVertex) conf.getVertices().get(name)).getLayerConf();
            CnnLossLayer old = (CnnLossLayer) layer.getLayer();
            SparseCnnLossLayer head = SparseCnnLossLayer.softmax();
            head.setLayerName(old.getLayerName());
            head.setFormat(old.getFormat());
            head.setIDropout(old.getIDropout());
            layer.setLayer(head);
        }
        // clone() leaves out the counters the learning-rate schedule and the checkpoints read
        conf.setIterationCount(net.getConfiguration().getIterationCount());
        conf.setEpochCount(net.getConfiguration().getEpochCount());
        ComputationGraph upgraded = new ComputationGraph(conf);
        upgraded.init(net.params(), false);
        ComputationGraphUpdater updater = net.getUpdater(false);
        if (updater != null && updater.getStateViewArray() != null) {
            upgraded.getUpdater().setStateViewArray(updater.getStateViewArray());
        }
        return upgraded;
    }

    /** DL4J's own CnnLossLayer with unweighted MCXENT on softmax: the segmentation head before class indices. */
    private static boolean isOneHotHead(Layer layer) {
        return layer instanceof CnnLossLayer head && head.getClass() == CnnLossLayer.class
                && head.getLossFn() instanceof LossMCXENT loss && loss.getClass() == LossMCXENT.class
                && loss.getWeights() == null && head.getActivationFn() instanceof ActivationSoftmax;
    }
}
