package org.ddep.train;

import org.ddep.config.DdepConfig;
import org.ddep.data.Augment;
import org.ddep.data.Examples;
import org.ddep.data.RoundChunk;
import org.ddep.model.EncoderSplit;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.noise.DenoisingObjective;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Training steps of the configured model without Spark, for sizing executors: the stage's own model
 * (pretrain-decoder: denoising head, the frozen encoder's features feeding the decoder; finetune: class head, all trainable), minibatches
 * built by the stage's own example code, and the peaks a person must fit into an executor: the
 * process's resident memory, its native part (resident minus the JVM's committed heap: ND4J's arrays
 * and workspaces, libnd4j, oneDNN and OpenBLAS buffers) and JavaCPP's own off-heap counter. With
 * nd4j-native 1.0.0-M2.1 libnd4j allocates array buffers itself, outside JavaCPP's counter, so on
 * CPU the native figure is the one to size {@code spark.executor.memoryOverhead} with.
 */
public final class StepBenchmark {
    /** Stages a step can be measured for. */
    public static final List<String> STAGES = List.of(DdepConfig.PRETRAIN_DECODER, DdepConfig.FINETUNE);

    /** What to run; {@code settleEarly}: DL4J's workspaces settle in the first step ({@link Workspaces#settleEarly}). */
    public record Spec(String stage, int batch, int imageSize, int steps, int warmup, int classes, boolean settleEarly) {
        public Spec {
            if (!STAGES.contains(stage)) {
                throw new IllegalArgumentException("--stage " + stage + ": one of " + STAGES);
            }
            if (batch < 1 || steps < 1 || warmup < 0 || classes < 2 || imageSize < 1) {
                throw new IllegalArgumentException("--batch and --steps must be >= 1, --warmup >= 0, --classes >= 2, got batch "
                        + batch + ", steps " + steps + ", warmup " + warmup + ", classes " + classes);
            }
        }
    }

    /**
     * Warm-up steps run beyond {@code --warmup} at most, while ND4J's workspaces are still learning their
     * sizes (see {@link #learningWorkspaces}).
     */
    public static final int MAX_EXTRA_WARMUP = 24;

    /**
     * What a run measured. Memory figures are peaks over model set-up, warm-up and the timed steps.
     * {@code warmupRun}: warm-up steps run ({@code --warmup}, or more until the workspaces were steady);
     * {@code learningWorkspaces}: workspaces still learning when the timed steps began (0: steady), and
     * {@code learningMb} the largest cycle of those, which they will hold once settled (at most).
     */
    public record Result(Spec spec, String arch, long params, double imagesPerS, double secondsPerStep,
                         long peakRssMb, long peakNativeMb, long peakJavacppMb, long baselineRssMb, long stepPeakRssMb,
                         long stepPeakNativeMb, long encoderPassPeakRssMb, long fitPeakRssMb, int warmupRun,
                         int learningWorkspaces, long learningMb, String workspaces) {
        /** One JSON line. */
        public String json() {
            return String.format(Locale.ROOT, "{\"stage\":\"%s\",\"arch\":\"%s\",\"batch\":%d,\"image_size\":%d,"
                            + "\"steps\":%d,\"warmup\":%d,\"params\":%d,\"images_per_s\":%.3f,\"seconds_per_step\":%.3f,"
                            + "\"peak_rss_mb\":%d,\"peak_native_mb\":%d,\"peak_javacpp_mb\":%d,\"rss_before_model_mb\":%d,"
                            + "\"steps_peak_rss_mb\":%d,\"steps_peak_native_mb\":%d,\"encoder_pass_peak_rss_mb\":%d,"
                            + "\"fit_peak_rss_mb\":%d,\"warmup_run\":%d,\"workspaces_learning\":%d,"
                            + "\"workspaces_learning_mb\":%d,\"workspaces\":\"%s\",\"settle\":\"%s\",\"threads\":\"%s\"}",
                    spec.stage(), arch, spec.batch(), spec.imageSize(), spec.steps(), spec.warmup(), params, imagesPerS,
                    secondsPerStep, peakRssMb, peakNativeMb, peakJavacppMb, baselineRssMb, stepPeakRssMb, stepPeakNativeMb,
                    encoderPassPeakRssMb, fitPeakRssMb, warmupRun, learningWorkspaces, learningMb, workspaces,
                    spec.settleEarly() ? "early" : "dl4j", System.getenv().getOrDefault("OMP_NUM_THREADS", "default"));
        }
    }

    private StepBenchmark() {
    }

    /** Builds the stage's model for {@code c}, runs warm-up then timed steps, and returns the figures. */
    public static Result run(DdepConfig c, Spec s) {
        if (s.imageSize() % c.model().inputDivisor() != 0) {
            throw new IllegalArgumentException("--image-size " + s.imageSize() + " must divide by "
                    + c.model().inputDivisor() + " (" + c.model().divisorReason() + ")");
        }
        long baseline = ProcessMemory.rssMb();
        try (PeakSampler peaks = new PeakSampler()) {
            boolean denoise = s.stage().equals(DdepConfig.PRETRAIN_DECODER);
            CosineDecay schedule = new CosineDecay(1e-4, 1_000_000);
            ComputationGraph net = ModelFactory.create(c.model(), denoise ? Head.denoise() : Head.segment(s.classes()),
                    schedule, c.seed());
            long params = net.numParams();
            ComputationGraph encoder = null;
            if (denoise) {
                // As the stage trains it: the frozen encoder's features (inference) feed the decoder.
                EncoderSplit split = new EncoderSplit(net.getConfiguration());
                encoder = split.encoder(net);
                ComputationGraph decoder = split.decoder(net);
                net.close();
                net = decoder;
            }
            // Workspaces are per thread and shared by name between models: one an earlier model on this
            // thread used and this one does not would never settle. Start from none (closing a graph, as
            // the split does, destroys them too), then as the stage's workers set them.
            Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
            Workspaces.apply(c.train().workspaces());
            if (s.settleEarly()) {
                Workspaces.settleEarly();
            }
            SplittableRandom rnd = new SplittableRandom(c.seed());
            DenoisingObjective noise = new DenoisingObjective(c.noise());
            // Building the model (and, for the decoder stage, splitting it) can peak above a small batch's
            // step: the steps' own peak is measured from here on, where Linux lets a process reset it.
            long setupPeakRss = ProcessMemory.peakRssMb();
            long setupPeakNative = peaks.restart();
            boolean stepsPeak = ProcessMemory.resetPeak();
            // DL4J's workspaces spill (allocate and free) while they learn their size over a number of
            // cycles, then hold that size for good: a step's steady memory is only reached once every
            // workspace has settled (TransUNet at 512x512: 8 steps for the peer architecture).
            int warmupRun = 0;
            while (warmupRun < s.warmup()
                    || (warmupRun < s.warmup() + MAX_EXTRA_WARMUP && learningWorkspaces() > 0)) {
                step(encoder, net, minibatch(s, denoise, noise, rnd), null);
                warmupRun++;
            }
            int learning = learningWorkspaces();
            long learningMb = learningWorkspaceBytes() >> 20;
            long warmupPeakRss = ProcessMemory.peakRssMb();
            // Where the timed steps peak: in the frozen encoder's pass or in the fit (-1: not measured).
            long[] phases = {-1, -1};
            long nanos = 0;
            for (int i = 0; i < s.steps(); i++) {
                MultiDataSet mb = minibatch(s, denoise, noise, rnd);   // built outside the timed step
                long t = System.nanoTime();
                step(encoder, net, mb, stepsPeak ? phases : null);
                nanos += System.nanoTime() - t;
            }
            double seconds = nanos / 1e9;
            peaks.sample();
            if (Boolean.getBoolean("ddep.step-benchmark.workspaces")) {
                for (var w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
                    System.err.printf("workspace %s: size %d MB, max cycle %d MB, last cycle %d MB%n", w.getId(),
                            w.getCurrentSize() >> 20, w.getMaxCycleAllocations() >> 20, w.getLastCycleAllocations() >> 20);
                }
            }
            long stepsRss = Math.max(Math.max(warmupPeakRss, ProcessMemory.peakRssMb()), Math.max(phases[0], phases[1]));
            long stepsNative = peaks.nativeBytes >> 20;
            return new Result(s, c.model().arch(), params, s.batch() * s.steps() / seconds, seconds / s.steps(),
                    Math.max(setupPeakRss, stepsRss), Math.max(setupPeakNative, stepsNative), peaks.javacpp >> 20,
                    baseline, stepsPeak ? stepsRss : -1, stepsNative, phases[0], phases[1], warmupRun, learning,
                    learningMb, Workspaces.resolve(c.train().workspaces()));
        }
    }

    /**
     * One training step as a worker runs it: with a frozen encoder its features of the minibatch's images
     * are what is fitted; the fitted minibatch is freed at once ({@link ReleaseMinibatch}). With
     * {@code phases}, the peak resident memory of the encoder's pass and of the fit go into [0] and [1].
     */
    private static void step(ComputationGraph encoder, ComputationGraph net, MultiDataSet minibatch, long[] phases) {
        if (phases != null) {
            ProcessMemory.resetPeak();
        }
        MultiDataSet fitted = encoder == null ? minibatch : EncoderSplit.features(encoder, minibatch);
        if (phases != null && encoder != null) {
            phases[0] = Math.max(phases[0], ProcessMemory.peakRssMb());
            ProcessMemory.resetPeak();
        }
        net.fit(fitted);
        RoundChunk.release(fitted);
        if (phases != null) {
            phases[1] = Math.max(phases[1], ProcessMemory.peakRssMb());
        }
    }

    /**
     * This thread's workspaces that are still learning their size: used (a cycle allocated something)
     * but not yet allocated at the size they will hold, so they spill instead.
     */
    static int learningWorkspaces() {
        return learning().size();
    }

    /** The largest cycle of each workspace still learning, summed: what they will hold once settled. */
    static long learningWorkspaceBytes() {
        return learning().stream().mapToLong(MemoryWorkspace::getMaxCycleAllocations).sum();
    }

    /** The ids of this thread's workspaces still learning, with their largest cycle in bytes. */
    static String learningIds() {
        StringBuilder out = new StringBuilder();
        for (MemoryWorkspace w : learning()) {
            out.append(w.getId()).append('=').append(w.getMaxCycleAllocations()).append(' ');
        }
        return out.toString().trim();
    }

    private static List<MemoryWorkspace> learning() {
        List<MemoryWorkspace> out = new ArrayList<>();
        if (Workspaces.spilling()) {
            return out;   // nothing settles or is held: every cycle allocates and frees
        }
        for (MemoryWorkspace w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            boolean learns = w.getWorkspaceConfiguration().getPolicyLearning() != LearningPolicy.NONE;
            if (learns && w.getMaxCycleAllocations() > 0 && w.getCurrentSize() == 0 && !Workspaces.isLean(w)) {
                out.add(w);
            }
        }
        return out;
    }

    /** One minibatch as the stage's example code makes it: denoising pairs, or images with class-index labels and a mask. */
    static MultiDataSet minibatch(Spec s, boolean denoise, DenoisingObjective noise, SplittableRandom rnd) {
        int n = s.imageSize();
        List<org.ddep.data.HostExample> rows = new ArrayList<>(s.batch());
        for (int b = 0; b < s.batch(); b++) {
            float[] chw = new float[3 * n * n];
            for (int i = 0; i < chw.length; i++) {
                chw[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
            if (denoise) {
                rows.add(Examples.denoising(noise.corrupt(chw, rnd), n, n));
            } else {
                int[] mask = new int[n * n];
                for (int i = 0; i < mask.length; i++) {
                    mask[i] = rnd.nextInt(s.classes());
                }
                rows.add(Examples.segmentation(new Augment.Sample(chw, n, n, mask), s.classes()));
            }
        }
        return org.ddep.data.HostExample.stack(rows);
    }

    /** Samples the native memory and JavaCPP's counter every few milliseconds, keeping the peaks. */
    private static final class PeakSampler implements AutoCloseable {
        private final Thread thread;
        private volatile boolean running = true;
        volatile long nativeBytes;
        volatile long javacpp;

        PeakSampler() {
            thread = new Thread(() -> {
                while (running) {
                    sample();
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "ddep-step-benchmark-peaks");
            thread.setDaemon(true);
            thread.start();
        }

        /** Returns the native peak so far, in MB, and starts a new one. */
        synchronized long restart() {
            sample();
            long mb = nativeBytes >> 20;
            nativeBytes = 0;
            return mb;
        }

        synchronized void sample() {
            long heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
            nativeBytes = Math.max(nativeBytes, org.bytedeco.javacpp.Pointer.physicalBytes() - heap);
            javacpp = Math.max(javacpp, org.bytedeco.javacpp.Pointer.totalBytes());
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
        }
    }
}
