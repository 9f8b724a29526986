package org.ddep.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Carries the driver's iteration and epoch counters to a worker's model before its first update
 * of an averaging round. DL4J's workers rebuild the model from a configuration clone that drops
 * both counters, so without this every round restarts the learning-rate schedule and Adam's bias
 * correction at 0 (DESIGN.md "Known pitfalls").
 */
public final class WorkerCounters extends GraphHook {
    private final int iteration;
    private final int epoch;
    private transient Model appliedTo;

    public WorkerCounters(int iteration, int epoch) {
        this.iteration = iteration;
        this.epoch = epoch;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        if (appliedTo != model && model instanceof ComputationGraph g) {
            ComputationGraphConfiguration c = g.getConfiguration();
            // Absolute: a worker model reused from an earlier round (ReusingWorker) still has that round's counts.
            c.setIterationCount(iteration);
            c.setEpochCount(epoch);
            appliedTo = model;
        }
    }
}
