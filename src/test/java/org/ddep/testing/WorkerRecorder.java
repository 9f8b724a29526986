package org.ddep.testing;

import org.ddep.train.GraphHook;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs on the Spark workers (threads of the local-mode JVM): records, before every update, the
 * counters and learning rate the WORKER's model is about to apply and the size of its Adam state.
 */
public final class WorkerRecorder extends GraphHook {
    public record Update(String layer, long headOutputs, int iteration, int epoch, double lr, double updaterNorm) {
    }

    public static final List<Update> UPDATES = new CopyOnWriteArrayList<>();
    private final String layer;

    public WorkerRecorder(String layer) {
        this.layer = layer;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        ComputationGraph g = (ComputationGraph) model;
        if (!g.getConfiguration().getVertices().containsKey(layer)
                || g.getLayer(layer) instanceof org.deeplearning4j.nn.layers.FrozenLayer) {
            return;
        }
        long head = ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) g.getLayer("head_conv").conf().getLayer()).getNOut();
        int it = g.getConfiguration().getIterationCount();
        int ep = g.getConfiguration().getEpochCount();
        BaseLayer conf = (BaseLayer) g.getLayer(layer).conf().getLayer();
        double norm = g.getUpdater().getStateViewArray() == null ? 0 : g.getUpdater().getStateViewArray().norm2Number().doubleValue();
        UPDATES.add(new Update(layer, head, it, ep, conf.getIUpdater().getLearningRate(it, ep), norm));
    }
}
