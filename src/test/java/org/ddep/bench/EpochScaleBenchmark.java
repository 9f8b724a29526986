package org.ddep.bench;

import org.apache.spark.SparkEnv;
import org.ddep.config.DdepConfig;
import org.ddep.stage.Pipeline;
import org.ddep.testing.LocalSpark;
import org.ddep.testing.TinyRun;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One epoch of each pretraining stage over N generated demo scenes in {@code local[2]} (a benchmark,
 * not a test): wall time, examples/s, the JVM's peak resident memory and the peak bytes under Spark's
 * local directories during training. The first call on a DIR generates the scenes and runs prep;
 * the second, in a fresh JVM so prep's memory is not counted, trains and prints one JSON line. Run it
 * for N and 4N: the memory and disk columns should not grow with N.
 * Usage: EpochScaleBenchmark SCENES IMAGE_SIZE DIR [ENCODER_RUN_DIR]
 * With ENCODER_RUN_DIR (a finished run of the same model), its pretrain-encoder stage is copied in
 * before training and only decoder pretraining is trained and timed (the scale run of issue 12).
 * {@code -Dbench.set="key=value;..."} adds config overrides (e.g. a smaller model).
 */
public final class EpochScaleBenchmark {
    public static void main(String[] a) throws Exception {
        int scenes = Integer.parseInt(a[0]);
        int size = Integer.parseInt(a[1]);
        List<String> settings = new java.util.ArrayList<>(List.of("demo.pretrain-images=" + scenes,
                "demo.image-size=" + size, "pretrain-encoder.image-size=" + size, "pretrain-decoder.image-size=" + size,
                "pretrain-encoder.batch-size=16", "pretrain-decoder.batch-size=16", "pretrain-encoder.epochs=1",
                "pretrain-decoder.epochs=1", "model.unet.base-channels=8", "model.unet.depth=3"));
        String extra = System.getProperty("bench.set", "");
        if (!extra.isBlank()) {
            settings.addAll(List.of(extra.split(";")));
        }
        DdepConfig c = TinyRun.config(settings.toArray(String[]::new));
        Path dir = Path.of(a[2]);
        boolean prepared = Files.exists(dir.resolve(DdepConfig.PREP).resolve("_SUCCESS"));
        Pipeline p = TinyRun.pipeline(dir, c, List.of());
        if (!prepared) {
            p.pinConfig();
            p.runStage(DdepConfig.PREP, false);
            LocalSpark.get().stop();
            return;
        }
        if (a.length > 3) {
            Path encoder = dir.resolve(DdepConfig.PRETRAIN_ENCODER);
            if (!Files.exists(encoder.resolve("_SUCCESS"))) {
                copyTree(Path.of(a[3]).resolve(DdepConfig.PRETRAIN_ENCODER), encoder);
            }
        }
        long before = localBytes();
        AtomicLong peak = new AtomicLong();
        AtomicLong peakHeap = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(localBytes() - before, Math::max);
                // The JVM heap apart: resident memory minus it is mostly ND4J's off-heap arrays.
                peakHeap.accumulateAndGet(Runtime.getRuntime().totalMemory(), Math::max);
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        long t = System.nanoTime();
        boolean encoderTrained = !Files.exists(dir.resolve(DdepConfig.PRETRAIN_ENCODER).resolve("_SUCCESS"));
        p.runStage(DdepConfig.PRETRAIN_ENCODER, false);
        double encoderSeconds = (System.nanoTime() - t) / 1e9;
        p.runStage(DdepConfig.PRETRAIN_DECODER, false);
        double seconds = (System.nanoTime() - t) / 1e9;
        sampler.interrupt();
        int stages = encoderTrained ? 2 : 1;
        System.out.printf(Locale.ROOT, "{\"scenes\":%d,\"size\":%d,\"stages\":%d,\"wall_s\":%.1f,\"examples_per_s\":%.1f,"
                        + "\"encoder_s\":%.1f,\"decoder_s\":%.1f,\"decoder_examples_per_s\":%.1f,"
                        + "\"peak_rss_mb\":%d,\"peak_heap_committed_mb\":%d,"
                        + "\"peak_local_dir_mb\":%.2f,\"local_dir_after_mb\":%.2f}%n", scenes, size, stages,
                seconds, stages * (double) scenes / seconds, encoderSeconds, seconds - encoderSeconds,
                scenes / (seconds - encoderSeconds), org.ddep.train.ProcessMemory.peakRssMb(), peakHeap.get() >> 20,
                peak.get() / 1e6, localBytes() / 1e6);
        LocalSpark.get().stop();
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        if (!Files.exists(from.resolve("_SUCCESS"))) {
            throw new IllegalArgumentException(from + " is not a finished pretrain-encoder stage (no _SUCCESS)");
        }
        try (var paths = Files.walk(from)) {
            for (Path src : (Iterable<Path>) paths::iterator) {
                Path dst = to.resolve(from.relativize(src).toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(src, dst);
                }
            }
        }
    }

    private static long localBytes() {
        long sum = 0;
        for (File d : SparkEnv.get().blockManager().diskBlockManager().localDirs()) {
            sum += size(d);
        }
        return sum;
    }

    private static long size(File f) {
        File[] children = f.listFiles();
        if (children == null) {
            return f.length();
        }
        long sum = 0;
        for (File c : children) {
            sum += size(c);
        }
        return sum;
    }
}
