package org.ddep.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.ddep.data.EpochOrder;
import org.ddep.data.HadoopFiles;
import org.ddep.data.RoundChunk;
import org.ddep.data.Rounds;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop of every stage: epochs of Spark parameter averaging
 * ({@link SparkComputationGraph} + {@link AveragingMaster}) fed one round at a time from windows of
 * rounds ({@link RoundChunk}), a checkpoint after every epoch (at most one per {@code checkpointMinutes},
 * the last epoch always) and every {@code checkpointRounds} rounds, resumption from the last one, one
 * metrics line ({@link MetricsLog}) and one progress line per averaging round.
 */
public final class SparkTrainer {
    private static final Logger LOG = LoggerFactory.getLogger("ddep");

    /**
     * What to train and how. {@code lossScale} turns DL4J's score into the reported loss (per-pixel
     * heads report the score per pixel). {@code chunkRounds}: rounds Spark moves the rows of at a time;
     * {@code checkpointRounds}: a checkpoint every that many rounds inside an epoch (0 = epochs only);
     * {@code checkpointMinutes}: an epoch's end checkpoints only once this long has passed since the stage's last
     * checkpoint or start (0 = every epoch; the last epoch always does).
     */
    public record Plan(String stage, int epochs, int globalBatch, int workers, int averagingFrequency, int prefetch,
                       double learningRate, long seed, boolean stopOnNan, long examplesPerEpoch, double lossScale,
                       int chunkRounds, int checkpointRounds, double checkpointMinutes) {
        public Plan {
            if (globalBatch % workers != 0) {
                throw new IllegalArgumentException(stage + ": global batch " + globalBatch + " does not divide across "
                        + workers + " workers");
            }
            if (examplesPerEpoch < 1) {
                throw new IllegalArgumentException(stage + ": no training examples");
            }
        }

        /**
         * Whether the end of epoch {@code epochNo} (1-based) writes a checkpoint, {@code sinceLastNanos} after the
         * stage's last checkpoint (a round's included) or its start: the last epoch always does.
         */
        public boolean checkpointsAfterEpoch(int epochNo, long sinceLastNanos) {
            return epochNo == epochs || sinceLastNanos >= checkpointMinutes * 60e9;
        }

        public int batchPerWorker() {
            return globalBatch / workers;
        }

        /** Every example once per epoch, in rounds of workers x batch x frequency; the last one takes the rest. */
        public Rounds rounds() {
            return new Rounds(examplesPerEpoch, workers, batchPerWorker(), averagingFrequency);
        }

        public int roundsPerEpoch() {
            return rounds().count();
        }

        /** The updates a worker applies in an epoch (the driver counts the same). */
        public int iterationsPerEpoch() {
            return Math.toIntExact(rounds().iterationsPerEpoch());
        }

        public int totalIterations() {
            return Math.multiplyExact(epochs, iterationsPerEpoch());
        }

        /**
         * Adam's learning rate over the stage: cosine decay from the peak at the first update to 0 at the
         * last one (update {@code totalIterations() - 1}).
         */
        public CosineDecay schedule() {
            return new CosineDecay(learningRate, Math.max(1, totalIterations() - 1));
        }

        public String describeBatch() {
            Rounds r = rounds();
            return String.format("global batch %d = %d workers x %d per worker, averaging every %d minibatches, "
                            + "%d rounds per epoch of %d examples (%s), %d updates per epoch", globalBatch, workers,
                    batchPerWorker(), averagingFrequency, r.count(), examplesPerEpoch,
                    examplesPerEpoch % r.roundRows() == 0 ? "all full" : "the last with " + r.rowsOf(r.count() - 1),
                    r.iterationsPerEpoch());
        }
    }

    /** The rows of a stage, planned once ({@link EpochOrder}) and moved a window of rounds at a time. */
    public interface RoundSource {
        EpochOrder order();

        RoundChunk chunk(int epoch, int chunk);

        /** The epochs of {@code rows} in {@code order}, each row made an example by {@code fn} on the workers. */
        static RoundSource of(org.apache.spark.api.java.JavaRDD<org.apache.spark.sql.Row> rows, EpochOrder order,
                              org.ddep.data.EpochData.ExampleFn fn) {
            return new RoundSource() {
                @Override
                public EpochOrder order() {
                    return order;
                }

                @Override
                public RoundChunk chunk(int epoch, int chunk) {
                    return RoundChunk.of(rows, order, epoch, chunk, fn);
                }
            };
        }
    }

    /** Runs on the driver after each epoch, before its checkpoint. */
    public interface EpochEnd {
        void after(int epochsDone, ComputationGraph net) throws IOException;
    }

    private final JavaSparkContext sc;
    private final HadoopFiles files;
    private final String stageDir;
    private final Plan plan;
    private final List<TrainingHook> extraHooks;
    private final boolean collectStats;
    private final String workspaces;

    /** {@code workspaces}: how ND4J's workspaces hold memory in the workers ({@code train.workspaces}). */
    public SparkTrainer(JavaSparkContext sc, HadoopFiles files, String stageDir, Plan plan, List<TrainingHook> extraHooks,
                        boolean collectStats, String workspaces) {
        this.sc = sc;
        this.files = files;
        this.stageDir = stageDir;
        this.plan = plan;
        this.extraHooks = List.copyOf(extraHooks);
        this.collectStats = collectStats;
        this.workspaces = workspaces;
    }

    public Checkpoints checkpoints() {
        return new Checkpoints(files, HadoopFiles.join(stageDir, "checkpoints"));
    }

    public ComputationGraph train(ComputationGraph initial, RoundSource data, EpochEnd afterEpoch) throws IOException {
        return train(initial, null, data, afterEpoch);
    }

    /**
     * Trains {@code initial}; with a {@code frozenEncoder}, each worker turns its minibatches' images into
     * that encoder's features (inference) before fitting them, and {@code initial} takes those features as
     * its inputs ({@link org.ddep.model.EncoderSplit}). The encoder is broadcast once for the whole stage.
     */
    public ComputationGraph train(ComputationGraph initial, ComputationGraph frozenEncoder, RoundSource data,
                                  EpochEnd afterEpoch) throws IOException {
        Checkpoints checkpoints = checkpoints();
        MetricsLog metrics = new MetricsLog(files, HadoopFiles.join(stageDir, "metrics.jsonl"));
        ComputationGraph net = initial;
        int start = 0;
        int startRound = 0;
        var latest = checkpoints.latest();
        if (latest.isPresent()) {
            net = checkpoints.load(latest.get());
            if (!net.getConfiguration().getNetworkInputs().equals(initial.getConfiguration().getNetworkInputs())) {
                throw new IllegalStateException(String.format("%s: checkpoint %s takes inputs %s but this version "
                                + "trains a model with inputs %s (it was written by an earlier version, which trained "
                                + "the decoder inside the whole model). Delete %s to restart the stage.", plan.stage(),
                        latest.get().file(), net.getConfiguration().getNetworkInputs(),
                        initial.getConfiguration().getNetworkInputs(), HadoopFiles.join(stageDir, "checkpoints")));
            }
            start = latest.get().epoch();
            startRound = latest.get().round();
            LOG.info("{}: resuming after epoch {} round {} (iteration {}) from {}", plan.stage(), start, startRound,
                    net.getIterationCount(), latest.get().file());
        }
        metrics.resume(start, startRound);
        LOG.info("{}: {}; {} iterations in all, Adam with cosine decay from {}", plan.stage(), plan.describeBatch(),
                plan.totalIterations(), plan.learningRate());

        AveragingMaster master = new AveragingMaster(new ParameterAveragingTrainingMaster.Builder(plan.workers(), 1)
                .batchSizePerWorker(plan.batchPerWorker())
                .averagingFrequency(plan.averagingFrequency())
                .workerPrefetchNumBatches(plan.prefetch())
                // Without it Adam's moments are dropped every round (DESIGN.md "Known pitfalls").
                .saveUpdater(true)
                // ddep owns the epoch and its rounds: a round's rows arrive on `workers` partitions already.
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .repartionData(Repartition.Never)
                .collectTrainingStats(collectStats), extraHooks);
        master.setWorkspaces(workspaces);
        Workspaces.apply(workspaces);   // the driver's JVM, which is the executors' in local mode
        if (frozenEncoder != null) {
            master.setFrozenEncoder(sc.broadcast(new NetBroadcastTuple(frozenEncoder.getConfiguration(),
                    frozenEncoder.params(), null)));
        }
        SparkComputationGraph spark = new SparkComputationGraph(sc, net, master);
        Progress progress = new Progress(plan, start, startRound);
        long lastCheckpoint = System.nanoTime();
        EpochOrder order = data.order();
        for (int epoch = start; epoch < plan.epochs(); epoch++) {
            int epochNo = epoch + 1;
            int rounds = order.rounds().count();
            master.setListener((round, total, score, seconds) -> onRound(metrics, progress, spark, epochNo, round,
                    total, score, seconds, order.rounds().rowsOf(round - 1)));
            sc.setJobGroup(plan.stage(), plan.stage() + " epoch " + epochNo + "/" + plan.epochs(), false);
            int first = epoch == start ? startRound : 0;
            master.epochStarted();
            for (int chunk = order.chunkOf(first); chunk < order.chunks(); chunk++) {
                try (RoundChunk rows = data.chunk(epoch, chunk)) {
                    for (int r = Math.max(first, order.firstRound(chunk)); r < order.endRound(chunk); r++) {
                        master.fitRound(spark, rows.round(r), order.rounds().iterations(r), r + 1, rounds);
                        int done = r + 1;
                        if (plan.checkpointRounds() > 0 && done % plan.checkpointRounds() == 0 && done < rounds) {
                            lastCheckpoint = checkpoint(metrics, checkpoints, spark.getNetwork(), epoch, done);
                        }
                    }
                }
            }
            master.epochEnded(plan.examplesPerEpoch());
            ComputationGraph trained = spark.getNetwork();
            trained.incrementEpochCount();
            afterEpoch.after(epochNo, trained);
            // A checkpoint with Adam's moments is 12 bytes per parameter (TransUNet: 1.26 GB, most of a minute to
            // write): epochs of a round or two (a few labelled images) would spend most of their time writing them.
            if (plan.checkpointsAfterEpoch(epochNo, System.nanoTime() - lastCheckpoint)) {
                lastCheckpoint = checkpoint(metrics, checkpoints, trained, epochNo, 0);
            }
        }
        metrics.flush();   // a failed stage leaves up to a minute of rounds unwritten: past its last checkpoint
        sc.clearJobGroup();
        master.dropFrozenEncoder();
        if (collectStats && spark.getSparkTrainingStats() != null) {
            AveragingStats.write(files, HadoopFiles.join(stageDir, "averaging-stats.json"), spark.getSparkTrainingStats());
        }
        return spark.getNetwork();
    }

    /**
     * Writes the metrics, then the checkpoint (so the file holds every line a resume from it keeps).
     *
     * @return when it was written ({@link System#nanoTime})
     */
    private static long checkpoint(MetricsLog metrics, Checkpoints checkpoints, ComputationGraph net, int epochsDone,
                                   int roundsDone) throws IOException {
        metrics.flush();
        checkpoints.save(net, epochsDone, roundsDone);
        return System.nanoTime();
    }

    private void onRound(MetricsLog metrics, Progress progress, SparkComputationGraph spark, int epoch, int round,
                         int rounds, double score, double seconds, long examples) {
        int iteration = spark.getNetwork().getIterationCount();
        double loss = score * plan.lossScale();
        // The rate of the round's last update (the counter already points past it).
        double lr = plan.schedule().valueAt(Math.max(0, iteration - 1), epoch - 1);
        if (plan.stopOnNan() && !Double.isFinite(loss)) {
            throw new TrainingDiverged(String.format("%s: loss became %s at epoch %d round %d (iteration %d, "
                            + "learning rate %.3g). Lower ddep.%s.learning-rate, check the input data, or set "
                            + "ddep.train.stop-on-nan = false to continue anyway.", plan.stage(), loss, epoch, round,
                    iteration, lr, plan.stage()));
        }
        Progress.Line line = progress.round(seconds, examples);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("stage", plan.stage());
        m.put("epoch", epoch);
        m.put("round", round);
        m.put("rounds", rounds);
        m.put("iteration", iteration);
        m.put("loss", loss);
        m.put("lr", lr);
        m.put("examples_per_s", line.examplesPerSecond());
        m.put("round_s", seconds);
        m.put("eta_s", line.etaSeconds());
        try {
            metrics.add(m);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics of " + plan.stage(), e);
        }
        LOG.info(String.format("%s | epoch %d/%d | round %d/%d | %.1f ex/s | loss %.5f | lr %.3e | ETA %s",
                plan.stage(), epoch, plan.epochs(), round, rounds, line.examplesPerSecond(), loss, lr,
                Progress.duration(line.etaSeconds())));
    }

    /** A loss of NaN or infinity: the stage stops, its last good checkpoint stays. */
    public static final class TrainingDiverged extends RuntimeException {
        TrainingDiverged(String message) {
            super(message);
        }
    }
}
