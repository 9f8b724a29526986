package org.ddep.bench;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.ddep.config.ConfigLoader;
import org.ddep.config.ModelSpec;
import org.ddep.config.TransUnetSpec;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.model.Weights;
import org.ddep.stage.Sparks;
import org.ddep.train.AveragingMaster;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Training throughput of one step (a benchmark, not a test), on the same architecture, batch and
 * thread count as shared/bench/peer_torch.py: UNet decoder-denoising step (encoder frozen, scaled
 * additive noise, predict the noise, L2) and fine-tune step (all trainable, per-pixel cross-entropy).
 * Mode "spark" runs the fine-tune step through Spark parameter averaging with one local worker the
 * way the stages do (ddep's master and round plumbing); "spark-split" through DL4J's epoch plumbing
 * with ddep's master (how stages ran before), "spark-dl4j" with DL4J's own master.
 * Prints one JSON line. Usage: TrainStepBenchmark pretrain|finetune|spark|spark-split|spark-dl4j IMG BATCH BASE DEPTH STEPS WARMUP
 */
public final class TrainStepBenchmark {
    /** Process CPU seconds (user + system) of the timed steps: on a shared machine a steadier measure of work than wall time. */
    private static double timedCpu;

    public static void main(String[] a) throws Exception {
        String mode = a[0];
        int img = Integer.parseInt(a[1]);
        int batch = Integer.parseInt(a[2]);
        int base = Integer.parseInt(a[3]);
        int depth = Integer.parseInt(a[4]);
        int steps = Integer.parseInt(a[5]);
        int warmup = Integer.parseInt(a[6]);
        int classes = 19;
        String model = System.getProperty("bench.model", "unet");
        // TransUNet: -Dbench.model=transunet, -Dbench.resnet=batch (the peer's torchvision ResNet, units
        // 3,4,6) or group (the paper's, units 3,4,9); BASE is the decoder width, DEPTH is ignored.
        String resnet = System.getProperty("bench.resnet", "batch");
        // -Dbench.convention=jax (the checkpoint's definition, the default) or transunet-pytorch.
        String convention = System.getProperty("bench.convention", TransUnetSpec.JAX);
        ModelSpec spec = model.equals("transunet")
                ? ModelSpec.transunet(base, new TransUnetSpec(resnet.equals("batch") ? List.of(3, 4, 6) : List.of(3, 4, 9),
                64, 768, 12, 12, 3072, img / 16, resnet, convention))
                : new ModelSpec("unet", 1, base, depth);
        boolean pretrain = mode.equals("pretrain");
        ComputationGraph net = ModelFactory.create(spec, pretrain ? Head.denoise() : Head.segment(classes),
                new CosineDecay(1e-4, 1_000_000), 0);
        if (pretrain) {
            net = Weights.freezeUpTo(net, ModelFactory.encoderBoundary(spec));
        }
        MultiDataSet ds = batch(pretrain, batch, img, classes, 0);
        double seconds;
        if (mode.startsWith("spark")) {
            seconds = spark(net, pretrain, batch, img, classes, steps, warmup, mode);
        } else {
            for (int i = 0; i < warmup; i++) {
                net.fit(ds);
            }
            long t = System.nanoTime();
            double c = cpuSeconds();
            for (int i = 0; i < steps; i++) {
                if (pretrain) {
                    ds = batch(true, batch, img, classes, i + 1); // fresh noise every step, as the peer does
                }
                net.fit(ds);
            }
            seconds = (System.nanoTime() - t) / 1e9;
            timedCpu = cpuSeconds() - c;
        }
        System.out.printf(Locale.ROOT, "{\"peer\":\"ddep-dl4j\",\"mode\":\"%s\",\"model\":\"%s\",\"resnet\":\"%s\",\"convention\":\"%s\",\"img\":%d,"
                        + "\"batch\":%d,\"base\":%d,\"depth\":%d,\"threads\":\"%s\",\"omp_wait_policy\":\"%s\",\"params\":%d,\"images_per_s\":%.3f,"
                        + "\"peak_rss_mb\":%d,\"cpu_s_per_image\":%.4f,\"spark_settings\":\"%s\"}%n",
                mode, model, spec.isTransUnet() ? resnet : "-", spec.isTransUnet() ? convention : "-", img, batch, base, depth, System.getenv().getOrDefault("OMP_NUM_THREADS", "default"),
                System.getenv().getOrDefault("OMP_WAIT_POLICY", "default"), net.numParams(), batch * steps / seconds, org.ddep.train.ProcessMemory.peakRssMb(), timedCpu / (batch * steps),
                mode.startsWith("spark") ? System.getProperty("bench.spark", "") : "-");
    }

    /** One minibatch: noisy image and noise target (pretrain), or image and class-index labels (fine-tune). */
    static MultiDataSet batch(boolean pretrain, int batch, int img, int classes, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 3, img, img).muli(2).subi(1);
        if (pretrain) {
            INDArray eps = Nd4j.randn(DataType.FLOAT, batch, 3, img, img);
            double sigma = 0.22;
            INDArray noisy = x.add(eps.mul(sigma)).divi(Math.sqrt(1 + sigma * sigma));
            return new org.nd4j.linalg.dataset.MultiDataSet(noisy, eps);
        }
        // as Examples.segmentation makes them: one byte per pixel
        byte[] index = new byte[batch * img * img];
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < index.length; i++) {
            index[i] = (byte) r.nextInt(classes);
        }
        INDArray y = Nd4j.create(DataType.UINT8, new long[]{batch, 1, img, img}, 'c');
        y.data().setData(index);
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{x}, new INDArray[]{y}, null,
                new INDArray[]{Nd4j.ones(DataType.FLOAT, batch, 1, img, img)});
    }

    /**
     * The same step through SparkComputationGraph + parameter averaging, one worker, rounds of 5
     * minibatches. {@code spark}: ddep's round plumbing (what every stage does): each round's examples
     * already on the worker's one partition, fed through {@code AveragingMaster.fitRound}, no count,
     * split or repartition. {@code spark-split}: ddep's master through DL4J's own epoch plumbing
     * ({@code fitMultiDataSet}: count, random split into rounds, Repartition.Always shuffle per round),
     * as every stage did before. {@code spark-dl4j}: the same with DL4J's own master. Mode spark gets
     * whole minibatches (the stages stack them on the worker: HostExample), the other two the same
     * serialized single-image MultiDataSets, which DL4J merges into minibatches.
     */
    private static double spark(ComputationGraph net, boolean pretrain, int batch, int img, int classes, int steps,
                                int warmup, String mode) throws Exception {
        List<String> conf = new ArrayList<>(List.of("spark.master=\"local[1]\"", "spark.conf.\"spark.ui.enabled\"=\"false\""));
        for (String kv : System.getProperty("bench.spark", "").split(";")) {
            if (!kv.isBlank()) {
                conf.add("spark.conf.\"" + kv.substring(0, kv.indexOf('=')) + "\"=\"" + kv.substring(kv.indexOf('=') + 1) + "\"");
            }
        }
        SparkSession s = Sparks.session(ConfigLoader.load(null, conf).spark());
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(s.sparkContext());
        // What one minibatch arrives as: whole minibatches in mode spark, as the stages' RoundChunk stacks them
        // (HostExample); single-image examples for DL4J's own plumbing to merge, as every stage fed it before.
        List<MultiDataSet> one = new ArrayList<>();
        if (mode.equals("spark")) {
            one.add(batch(pretrain, batch, img, classes, 0));
        } else {
            for (int i = 0; i < batch; i++) {
                one.add(batch(pretrain, 1, img, classes, i));
            }
        }
        int frequency = Math.min(5, steps);
        ParameterAveragingTrainingMaster.Builder b = new ParameterAveragingTrainingMaster.Builder(1, 1)
                .batchSizePerWorker(batch).averagingFrequency(frequency).saveUpdater(true)
                .rddTrainingApproach(RDDTrainingApproach.Direct);
        if (mode.equals("spark")) {
            b.repartionData(Repartition.Never);
        }
        ParameterAveragingTrainingMaster tm = mode.equals("spark-dl4j") ? b.build() : AveragingMaster.of(b);
        SparkComputationGraph sg = new SparkComputationGraph(sc, net, tm);
        if (mode.equals("spark")) {
            AveragingMaster m = (AveragingMaster) tm;
            rounds(sc, sg, m, one, warmup, frequency);
            long t = System.nanoTime();
            double c = cpuSeconds();
            rounds(sc, sg, m, one, steps, frequency);
            double seconds = (System.nanoTime() - t) / 1e9;
            timedCpu = cpuSeconds() - c;
            s.stop();
            return seconds;
        }
        JavaRDD<MultiDataSet> warm = sc.parallelize(repeat(one, warmup), 1);
        sg.fitMultiDataSet(warm);
        // steps minibatches in rounds of 5 (the default averaging frequency): broadcast, fit, average
        JavaRDD<MultiDataSet> data = sc.parallelize(repeat(one, steps), 1);
        long t = System.nanoTime();
        double c = cpuSeconds();
        sg.fitMultiDataSet(data);
        double seconds = (System.nanoTime() - t) / 1e9;
        timedCpu = cpuSeconds() - c;
        s.stop();
        return seconds;
    }

    /** {@code minibatches} minibatches in rounds of {@code frequency}, each round's examples on one partition. */
    private static void rounds(JavaSparkContext sc, SparkComputationGraph sg, AveragingMaster m, List<MultiDataSet> one,
                               int minibatches, int frequency) {
        int rounds = (minibatches + frequency - 1) / frequency;
        for (int r = 0; r < rounds; r++) {
            int n = Math.min(frequency, minibatches - r * frequency);
            // Distinct copies, as the stages' minibatches are: the worker frees each one once fitted, and
            // Spark's serializers keep a repeated object one object.
            List<MultiDataSet> round = new ArrayList<>();
            for (MultiDataSet mds : repeat(one, n)) {
                round.add(new org.nd4j.linalg.dataset.MultiDataSet(dup(mds.getFeatures()), dup(mds.getLabels())));
            }
            m.fitRound(sg, sc.parallelize(round, 1), n, r + 1, rounds);
        }
    }

    private static INDArray[] dup(INDArray[] a) {
        INDArray[] out = new INDArray[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].dup();
        }
        return out;
    }

    private static List<MultiDataSet> repeat(List<MultiDataSet> one, int times) {
        List<MultiDataSet> out = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            out.addAll(one);
        }
        return out;
    }

    /** User + system CPU seconds of this process so far (Linux), or 0. */
    private static double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15 of stat (utime, stime), counted after the command name
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (Exception e) {
            return 0;
        }
    }
}
