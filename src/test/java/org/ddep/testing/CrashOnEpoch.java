package org.ddep.testing;

import org.ddep.train.GraphHook;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** Kills training from inside a worker once the model reaches the given epoch (a crash mid-stage). */
public final class CrashOnEpoch extends GraphHook {
    private final int epoch;

    public CrashOnEpoch(int epoch) {
        this.epoch = epoch;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        if (((ComputationGraph) model).getConfiguration().getEpochCount() >= epoch) {
            throw new IllegalStateException("simulated crash in epoch " + (epoch + 1));
        }
    }
}
