package org.ddep.train;

import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;

import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * DL4J's parameter-averaging master with the two things ddep needs on top: each round's workers
 * receive the driver's counters ({@link WorkerCounters}), and every finished round is reported
 * (score, duration) to a listener on the driver, for metrics and progress.
 */
public final class AveragingMaster extends ParameterAveragingTrainingMaster {
    /** Called on the driver after each averaging round. */
    public interface RoundListener {
        void onRound(int round, int rounds, double score, double seconds);
    }

    private final transient List<TrainingHook> extraHooks;
    private transient RoundListener listener;
    private transient long roundStart;

    AveragingMaster(Builder builder, List<TrainingHook> extraHooks) {
        super(builder);
        this.extraHooks = List.copyOf(extraHooks);
    }

    /** A master with ddep's worker (counters carried, models reused between rounds) and no extra hooks. */
    public static AveragingMaster of(ParameterAveragingTrainingMaster.Builder builder) {
        return new AveragingMaster(builder, List.of());
    }

    void setListener(RoundListener listener) {
        this.listener = listener;
    }

    /** Re-seeds the split of the next epoch's data, so a resumed stage splits its epochs like an uninterrupted one. */
    void seedEpoch(long seed) {
        this.rng = new Random(seed);
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        List<TrainingHook> hooks = new ArrayList<>();
        hooks.add(new WorkerCounters(graph.getNetwork().getIterationCount(), graph.getNetwork().getEpochCount()));
        hooks.addAll(extraHooks);
        // The worker keeps this list: a fresh one per round carries this round's counters.
        this.trainingHookList = hooks;
        roundStart = System.nanoTime();
        NetBroadcastTuple tuple = new NetBroadcastTuple(graph.getNetwork().getConfiguration(),
                graph.getNetwork().params(), graph.getNetwork().getUpdater().getStateViewArray());
        Broadcast<NetBroadcastTuple> broadcast = graph.getSparkContext().broadcast(tuple);
        WorkerConfiguration configuration = new WorkerConfiguration(true, rddDataSetNumExamples, batchSizePerWorker,
                averagingFrequency, prefetchNumBatches, collectTrainingStats);
        return new ReusingWorker(broadcast, saveUpdater, configuration, trainingHookList, listeners, getRouterProvider());
    }

    @Override
    protected void processResults(SparkDl4jMultiLayer network, SparkComputationGraph graph,
                                  JavaRDD<ParameterAveragingTrainingResult> results, int splitNum, int totalSplits) {
        super.processResults(network, graph, results, splitNum, totalSplits);
        if (listener != null && graph != null) {
            listener.onRound(splitNum, totalSplits, graph.getScore(), (System.nanoTime() - roundStart) / 1e9);
        }
    }
}
