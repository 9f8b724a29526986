package org.ddep.testing;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** Kills training from inside a worker once the model reaches the given epoch (a crash mid-stage). */
public final class CrashOnEpoch implements TrainingHook {
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

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }
}
