package org.ddep.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A worker-side hook for ComputationGraph training: DL4J converts DataSets to MultiDataSets before
 * hooks run on a graph, so only the MultiDataSet callbacks matter; the rest do nothing.
 */
public abstract class GraphHook implements TrainingHook {
    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }

    @Override
    public final void preUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public final void postUpdate(DataSet minibatch, Model model) {
    }
}
