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
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.List;

/**
 * DL4J's parameter-averaging master with what ddep needs on top: rounds fed one at a time by
 * {@link SparkTrainer}, each round's workers receive the driver's counters ({@link WorkerCounters})
 * and free each minibatch once fitted ({@link ReleaseMinibatch}), and every finished round is
 * reported (score, duration) to a listener on the driver, for metrics and progress.
 */
public final class AveragingMaster extends ParameterAveragingTrainingMaster {
    /** Called on the driver after each averaging round. */
    public interface RoundListener {
        void onRound(int round, int rounds, double score, double seconds);
    }

    private final transient List<TrainingHook> extraHooks;
    private transient RoundListener listener;
    private transient long roundStart;
    private transient int roundFirstIteration = -1;
    private transient int roundIterations;
    private transient Broadcast<NetBroadcastTuple> roundBroadcast;
    private transient Broadcast<NetBroadcastTuple> frozenEncoder;
    private transient String workspaces = "auto";

    AveragingMaster(Builder builder, List<TrainingHook> extraHooks) {
        super(builder);
        this.extraHooks = List.copyOf(extraHooks);
    }

    /** A master with ddep's worker (counters carried, models reused between rounds) and no extra hooks. */
    public static AveragingMaster of(ParameterAveragingTrainingMaster.Builder builder) {
        return new AveragingMaster(builder, List.of());
    }

    /** The stage's frozen encoder, whose features the workers fit instead of the images (null: none). */
    void setFrozenEncoder(Broadcast<NetBroadcastTuple> encoder) {
        this.frozenEncoder = encoder;
    }

    /** Frees the frozen encoder's copies on the driver and executors at the end of the stage. */
    void dropFrozenEncoder() {
        if (frozenEncoder != null) {
            frozenEncoder.destroy();
            frozenEncoder = null;
        }
    }

    /** How the workers' ND4J workspaces hold memory ({@code train.workspaces}: auto, hold, lean or spill). */
    void setWorkspaces(String mode) {
        this.workspaces = mode;
    }

    void setListener(RoundListener listener) {
        this.listener = listener;
    }

    /**
     * One averaging round through DL4J (broadcast, worker fit, tree aggregate) on rows already spread
     * over the workers' partitions ({@code Repartition.Never}: no count, split or shuffle per round).
     * DL4J's driver adds {@code averagingFrequency} to the iteration counter per round; the counter is
     * set to the {@code iterations} the workers really applied (fewer in an epoch's short last round).
     */
    public void fitRound(SparkComputationGraph graph, JavaRDD<MultiDataSet> round, int iterations, int roundNo, int rounds) {
        roundFirstIteration = graph.getNetwork().getIterationCount();
        roundIterations = iterations;
        doIteration(graph, round, roundNo, rounds);
    }

    /** DL4J's fit timing ({@code train.collect-stats}), which its own epoch plumbing logged: one event per epoch. */
    void epochStarted() {
        if (collectTrainingStats) {
            stats.logFitStart();
        }
    }

    void epochEnded(long examples) {
        if (collectTrainingStats) {
            stats.logFitEnd(Math.toIntExact(examples));
        }
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        List<TrainingHook> hooks = new ArrayList<>();
        hooks.add(new WorkerCounters(graph.getNetwork().getIterationCount(), graph.getNetwork().getEpochCount()));
        hooks.addAll(extraHooks);
        hooks.add(new ReleaseMinibatch());
        // The worker keeps this list: a fresh one per round carries this round's counters.
        this.trainingHookList = hooks;
        roundStart = System.nanoTime();
        NetBroadcastTuple tuple = new NetBroadcastTuple(graph.getNetwork().getConfiguration(),
                graph.getNetwork().params(), graph.getNetwork().getUpdater().getStateViewArray());
        Broadcast<NetBroadcastTuple> broadcast = graph.getSparkContext().broadcast(tuple);
        roundBroadcast = broadcast;
        WorkerConfiguration configuration = new WorkerConfiguration(true, rddDataSetNumExamples, batchSizePerWorker,
                averagingFrequency, prefetchNumBatches, collectTrainingStats);
        return new ReusingWorker(broadcast, frozenEncoder, workspaces, saveUpdater, configuration, trainingHookList,
                listeners, getRouterProvider());
    }

    @Override
    protected void processResults(SparkDl4jMultiLayer network, SparkComputationGraph graph,
                                  JavaRDD<ParameterAveragingTrainingResult> results, int splitNum, int totalSplits) {
        super.processResults(network, graph, results, splitNum, totalSplits);
        if (roundBroadcast != null) {
            // The round's model copy on the driver and executors: gone now, not at a later garbage collection.
            roundBroadcast.destroy();
            roundBroadcast = null;
        }
        if (graph != null && roundFirstIteration >= 0) {
            graph.getNetwork().getConfiguration().setIterationCount(roundFirstIteration + roundIterations);
            roundFirstIteration = -1;
        }
        if (listener != null && graph != null) {
            listener.onRound(splitNum, totalSplits, graph.getScore(), (System.nanoTime() - roundStart) / 1e9);
        }
    }
}
