package org.ddep.testing;

import org.ddep.train.GraphHook;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs on the Spark workers (threads of the local-mode JVM): records, before every update, which
 * head the model trains (so which stage), the counters and learning rate the WORKER's model is
 * about to apply (read from its first trainable layer), the size of its Adam state and a checksum
 * of the minibatch.
 */
public final class WorkerRecorder extends GraphHook {
    /** Heads as {@link #head(ComputationGraph)} names them. */
    public static final String CLASSIFY = "classify";
    public static final String DENOISE = "denoise";
    public static final String SEGMENT = "segment";

    public record Update(String head, int iteration, int epoch, double lr, double updaterNorm, long examples,
                         double inputSum) {
    }

    public static final List<Update> UPDATES = new CopyOnWriteArrayList<>();

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        ComputationGraph g = (ComputationGraph) model;
        int it = g.getConfiguration().getIterationCount();
        int ep = g.getConfiguration().getEpochCount();
        BaseLayer conf = null;
        for (var layer : g.getLayers()) {
            if (!(layer instanceof FrozenLayer) && layer.conf().getLayer() instanceof BaseLayer b && layer.numParams() > 0) {
                conf = b;
                break;
            }
        }
        double norm = g.getUpdater().getStateViewArray() == null ? 0 : g.getUpdater().getStateViewArray().norm2Number().doubleValue();
        UPDATES.add(new Update(head(g), it, ep, conf.getIUpdater().getLearningRate(it, ep), norm,
                minibatch.getFeatures(0).size(0), minibatch.getFeatures(0).sumNumber().doubleValue()));
    }

    static String head(ComputationGraph g) {
        if (g.getConfiguration().getVertices().containsKey("head_pool")) {
            return CLASSIFY;
        }
        CnnLossLayer out = (CnnLossLayer) g.getLayer("head_out").conf().getLayer();
        return out.getLossFn() instanceof LossMSE ? DENOISE : SEGMENT;
    }

    /** The updates recorded for one head. */
    public static List<Update> of(String head) {
        return UPDATES.stream().filter(u -> u.head().equals(head)).toList();
    }
}
