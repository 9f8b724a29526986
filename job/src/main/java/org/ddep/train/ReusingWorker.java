package org.ddep.train;

import org.apache.spark.broadcast.Broadcast;
import org.ddep.model.EncoderSplit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.core.storage.StatsStorageRouterProvider;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;

/**
 * DL4J's parameter-averaging worker, with the worker's model kept in its executor between rounds.
 * DL4J builds a fresh ComputationGraph from the broadcast configuration for every round (JSON
 * parse, layer construction, parameter and workspace allocation); this worker takes an idle model
 * of the same configuration from a per-JVM pool, assigns the round's parameters and Adam state to
 * it, and hands it back after copying out its result. Models of one configuration only are kept
 * (a new stage drops the previous stage's). The counters are set by {@link WorkerCounters}.
 * <p>
 * With a frozen encoder (the decoder stage), each minibatch of images becomes that encoder's features
 * ({@link EncoderSplit#features}) before DL4J fits it. Encoder copies live in a per-JVM pool too, one
 * per concurrent task, all reading the broadcast's one parameter array.
 */
final class ReusingWorker extends ParameterAveragingTrainingWorker {
    private static final Object LOCK = new Object();
    private static String pooledConfig;
    private static final Deque<ComputationGraph> POOL = new ArrayDeque<>();

    private static long encoderId = -1;
    private static final Deque<ComputationGraph> ENCODERS = new ArrayDeque<>();

    private final Broadcast<NetBroadcastTuple> tuple;
    private final Broadcast<NetBroadcastTuple> encoder;
    private final boolean withUpdater;
    private final String workspaces;
    private transient String config;

    ReusingWorker(Broadcast<NetBroadcastTuple> broadcast, Broadcast<NetBroadcastTuple> frozenEncoder, String workspaces,
                  boolean saveUpdater,
                  WorkerConfiguration configuration, Collection<TrainingHook> hooks,
                  Collection<TrainingListener> listeners, StatsStorageRouterProvider routerProvider) {
        super(broadcast, saveUpdater, configuration, hooks, listeners, routerProvider);
        this.tuple = broadcast;
        this.encoder = frozenEncoder;
        this.withUpdater = saveUpdater;
        this.workspaces = workspaces;
    }

    @Override
    public ParameterAveragingTrainingResult processMinibatch(MultiDataSet minibatch, ComputationGraph graph,
                                                             boolean isLast) {
        if (encoder == null) {
            return super.processMinibatch(minibatch, graph, isLast);
        }
        ComputationGraph e = takeEncoder();
        MultiDataSet features;
        try {
            features = EncoderSplit.features(e, minibatch);
        } finally {
            synchronized (LOCK) {
                if (encoderId == encoder.id()) {
                    ENCODERS.push(e);
                }
            }
        }
        return super.processMinibatch(features, graph, isLast);
    }

    private ComputationGraph takeEncoder() {
        synchronized (LOCK) {
            if (encoderId != encoder.id()) {
                ENCODERS.clear();
                encoderId = encoder.id();
            }
            ComputationGraph e = ENCODERS.poll();
            if (e != null) {
                return e;
            }
        }
        NetBroadcastTuple t = encoder.getValue();
        ComputationGraph e = new ComputationGraph(t.getGraphConfiguration());
        e.init(t.getParameters(), false);
        return e;
    }

    @Override
    public ComputationGraph getInitialModelGraph() {
        Workspaces.apply(workspaces);   // this executor JVM's ND4J, before the round allocates anything
        NetBroadcastTuple t = tuple.getValue();
        config = t.getGraphConfiguration().toJson();
        ComputationGraph net;
        synchronized (LOCK) {
            if (!config.equals(pooledConfig)) {
                POOL.clear();
                pooledConfig = config;
            }
            net = POOL.poll();
        }
        if (net == null) {
            return super.getInitialModelGraph();
        }
        net.params().assign(t.getParameters());
        INDArray state = t.getUpdaterState();
        if (state != null && net.getUpdater() != null && net.getUpdater().getStateViewArray() != null) {
            net.getUpdater().getStateViewArray().assign(state);
        }
        return net;
    }

    @Override
    public ParameterAveragingTrainingResult getFinalResult(ComputationGraph network) {
        ParameterAveragingTrainingResult r = super.getFinalResult(network);
        // The result's arrays are the model's own: copy them before the model can serve another task.
        ParameterAveragingTrainingResult copy = new ParameterAveragingTrainingResult(r.getParameters().dup(),
                withUpdater && r.getUpdaterState() != null ? r.getUpdaterState().dup() : null, r.getScore(),
                r.getListenerMetaData(), r.getListenerStaticInfo(), r.getListenerUpdates());
        synchronized (LOCK) {
            if (config != null && config.equals(pooledConfig)) {
                POOL.push(network);
            }
        }
        return copy;
    }
}
