package org.ddep.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.ddep.data.HadoopFiles;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training loop of every stage: epochs of Spark parameter averaging
 * ({@link SparkComputationGraph} + {@link AveragingMaster}), a checkpoint after every epoch,
 * resumption from the last one, one metrics line and one progress line per averaging round.
 */
public final class SparkTrainer {
    private static final Logger LOG = LoggerFactory.getLogger("ddep");

    /**
     * What to train and how. {@code lossScale} turns DL4J's score into the reported loss (per-pixel
     * heads report the score per pixel).
     */
    public record Plan(String stage, int epochs, int globalBatch, int workers, int averagingFrequency, int prefetch,
                       double learningRate, long seed, boolean stopOnNan, long examplesPerEpoch, double lossScale) {
        public Plan {
            if (globalBatch % workers != 0) {
                throw new IllegalArgumentException(stage + ": global batch " + globalBatch + " does not divide across "
                        + workers + " workers");
            }
            if (examplesPerEpoch < 1) {
                throw new IllegalArgumentException(stage + ": no training examples");
            }
        }

        public int batchPerWorker() {
            return globalBatch / workers;
        }

        /** DL4J splits an epoch into floor(examples / (workers * batch * frequency)) rounds, at least one. */
        public int roundsPerEpoch() {
            return (int) Math.max(1, examplesPerEpoch / ((long) workers * batchPerWorker() * averagingFrequency));
        }

        /** The driver counts {@code averagingFrequency} iterations per round. */
        public int iterationsPerEpoch() {
            return roundsPerEpoch() * averagingFrequency;
        }

        public int totalIterations() {
            return epochs * iterationsPerEpoch();
        }

        /** Adam's learning rate over the stage: cosine decay from the peak to 0 over all iterations. */
        public CosineDecay schedule() {
            return new CosineDecay(learningRate, totalIterations());
        }

        public String describeBatch() {
            return String.format("global batch %d = %d workers x %d per worker, averaging every %d minibatches, "
                            + "%d rounds per epoch of %d examples", globalBatch, workers, batchPerWorker(),
                    averagingFrequency, roundsPerEpoch(), examplesPerEpoch);
        }
    }

    /** The training examples of one epoch (fresh augmentation and noise each epoch). */
    public interface EpochSource {
        JavaRDD<MultiDataSet> epoch(int epoch);
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

    public SparkTrainer(JavaSparkContext sc, HadoopFiles files, String stageDir, Plan plan, List<TrainingHook> extraHooks,
                        boolean collectStats) {
        this.sc = sc;
        this.files = files;
        this.stageDir = stageDir;
        this.plan = plan;
        this.extraHooks = List.copyOf(extraHooks);
        this.collectStats = collectStats;
    }

    public Checkpoints checkpoints() {
        return new Checkpoints(files, HadoopFiles.join(stageDir, "checkpoints"));
    }

    public ComputationGraph train(ComputationGraph initial, EpochSource data, EpochEnd afterEpoch) throws IOException {
        Checkpoints checkpoints = checkpoints();
        MetricsLog metrics = new MetricsLog(files, HadoopFiles.join(stageDir, "metrics.jsonl"));
        ComputationGraph net = initial;
        int start = 0;
        var latest = checkpoints.latest();
        if (latest.isPresent()) {
            net = checkpoints.load(latest.get());
            start = latest.get().epoch();
            LOG.info("{}: resuming after epoch {} (iteration {}) from {}", plan.stage(), start,
                    net.getIterationCount(), latest.get().file());
        }
        metrics.resume(start);
        LOG.info("{}: {}; {} iterations in all, Adam with cosine decay from {}", plan.stage(), plan.describeBatch(),
                plan.totalIterations(), plan.learningRate());

        AveragingMaster master = new AveragingMaster(new ParameterAveragingTrainingMaster.Builder(plan.workers(), 1)
                .batchSizePerWorker(plan.batchPerWorker())
                .averagingFrequency(plan.averagingFrequency())
                .workerPrefetchNumBatches(plan.prefetch())
                // Without it Adam's moments are dropped every round (DESIGN.md "Known pitfalls").
                .saveUpdater(true)
                // Direct: no export files under /tmp; the epoch's examples are held serialized.
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .storageLevel(StorageLevel.MEMORY_AND_DISK_SER())
                .repartionData(Repartition.Always)
                .collectTrainingStats(collectStats), extraHooks);
        SparkComputationGraph spark = new SparkComputationGraph(sc, net, master);
        Progress progress = new Progress(plan, start);
        for (int epoch = start; epoch < plan.epochs(); epoch++) {
            int epochNo = epoch + 1;
            master.seedEpoch(plan.seed() * 31 + epoch);
            master.setListener((round, rounds, score, seconds) -> onRound(metrics, progress, spark, epochNo, round,
                    rounds, score, seconds));
            sc.setJobGroup(plan.stage(), plan.stage() + " epoch " + epochNo + "/" + plan.epochs(), false);
            JavaRDD<MultiDataSet> examples = data.epoch(epoch);
            spark.fitMultiDataSet(examples);
            examples.unpersist(false);
            ComputationGraph trained = spark.getNetwork();
            afterEpoch.after(epochNo, trained);
            checkpoints.save(trained, epochNo);
        }
        sc.clearJobGroup();
        if (collectStats && spark.getSparkTrainingStats() != null) {
            AveragingStats.write(files, HadoopFiles.join(stageDir, "averaging-stats.json"), spark.getSparkTrainingStats());
        }
        return spark.getNetwork();
    }

    private void onRound(MetricsLog metrics, Progress progress, SparkComputationGraph spark, int epoch, int round,
                         int rounds, double score, double seconds) {
        int iteration = spark.getNetwork().getIterationCount();
        double loss = score * plan.lossScale();
        // The rate of the round's last update (the counter already points past it).
        double lr = CosineDecay.at(plan.learningRate(), plan.totalIterations(), Math.max(0, iteration - 1));
        if (plan.stopOnNan() && !Double.isFinite(loss)) {
            throw new TrainingDiverged(String.format("%s: loss became %s at epoch %d round %d (iteration %d, "
                            + "learning rate %.3g). Lower ddep.%s.learning-rate, check the input data, or set "
                            + "ddep.train.stop-on-nan = false to continue anyway.", plan.stage(), loss, epoch, round,
                    iteration, lr, plan.stage()));
        }
        double examples = plan.examplesPerEpoch() / (double) rounds;
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
