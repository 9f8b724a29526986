package org.ddep.testing;

import org.ddep.train.GraphHook;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** Kills training from inside a worker at its update {@code iteration} (a crash in the middle of an epoch). */
public final class CrashOnIteration extends GraphHook {
    private final int iteration;

    public CrashOnIteration(int iteration) {
        this.iteration = iteration;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        if (((ComputationGraph) model).getConfiguration().getIterationCount() >= iteration) {
            throw new IllegalStateException("simulated crash at update " + iteration);
        }
    }
}
