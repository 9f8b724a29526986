package org.ddep.bench;

import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.ddep.config.ConfigLoader;
import org.ddep.prep.ImageCodec;
import org.ddep.prep.Manifest;
import org.ddep.prep.PrepJob;
import org.ddep.prep.Resize;
import org.ddep.stage.Sparks;
import org.ddep.testing.ClassFolderFixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Prep throughput (a benchmark, not a test): N generated JPEGs of 500x375 in ImageNet's folder
 * layout, through (1) ddep prep with ImageNet's usual resize (short side 256), (2) ddep prep
 * validating without resize, and (3) a plain byte copy into Parquet with Spark's binaryFile source
 * (the I/O floor), each twice (the second is the steady figure). Prints one JSON line per
 * measurement, with the minor page faults per image. bench/prep-benchmark.sh adds PIL.
 * <p>Usage: PrepBenchmark DIR N [master]
 */
public final class PrepBenchmark {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int n = Integer.parseInt(args[1]);
        String master = args.length > 2 ? args[2] : "local[2]";
        Path in = dir.resolve("jpegs");
        if (!Files.exists(in)) {
            for (int i = 0; i < n; i++) {
                ClassFolderFixtures.write(in.resolve(String.format("n%08d/img_%06d.JPEG", i % 10, i)),
                        ImageCodec.encodeJpeg(ClassFolderFixtures.picture(375, 500, i)));
            }
        }
        SparkSession spark = Sparks.session(ConfigLoader.load(null, List.of("spark.master=\"" + master + "\"",
                "spark.conf.\"spark.ui.enabled\"=\"false\"")).spark());
        int cores = spark.sparkContext().defaultParallelism();
        String out = dir.resolve("out").toUri().toString();
        // warm-up: JIT, codecs, Spark start
        PrepJob.run(spark, spec(in, out, "warm", new Resize(0, 256)));

        // Each measurement twice, one after the other: the first still pays for compiling its code paths
        // (a prep of 14M images does that once per executor), the second is the steady figure; the
        // script's ratios use the second.
        for (int run = 1; run <= 2; run++) {
            report("ddep-prep-resize256", run, n, cores, time(() -> PrepJob.run(spark, spec(in, out, "resized", new Resize(0, 256)))));
        }
        for (int run = 1; run <= 2; run++) {
            report("ddep-prep-validate", run, n, cores, time(() -> PrepJob.run(spark, spec(in, out, "validated", Resize.NONE))));
        }
        for (int run = 1; run <= 2; run++) {
            report("spark-binaryFile-copy", run, n, cores, time(() -> {
                spark.read().format("binaryFile").option("pathGlobFilter", "*.JPEG").option("recursiveFileLookup", "true")
                        .load(in.toString()).write().mode(SaveMode.Overwrite).parquet(dir.resolve("out/binary").toString());
                return null;
            }));
        }
        spark.stop();
    }

    private static PrepJob.Spec spec(Path in, String out, String name, Resize r) {
        return new PrepJob.Spec("imagenet21k", name, in.toUri().toString(), out, List.of("train"), 128L << 20, 0.0, r);
    }

    interface Work {
        Object run() throws Exception;
    }

    /** Minor page faults of this JVM so far (Linux), or -1: what a machine with slow faults charges every allocation. */
    private static long minorFaults() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // fields after the command name in parentheses: state is field 3, minflt field 10
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
        } catch (Exception e) {
            return -1;
        }
    }

    private static long faults;

    private static double time(Work w) throws Exception {
        long f = minorFaults();
        long t = System.nanoTime();
        Object r = w.run();
        faults = f < 0 ? -1 : minorFaults() - f;
        if (r instanceof Manifest m && m.count("train") == 0) {
            throw new IllegalStateException("prep produced no rows");
        }
        return (System.nanoTime() - t) / 1e9;
    }

    private static void report(String what, int run, int n, int cores, double seconds) {
        System.out.printf(Locale.ROOT, "{\"bench\":\"%s\",\"run\":%d,\"images\":%d,\"cores\":%d,\"seconds\":%.2f,\"images_per_s\":%.1f,"
                + "\"minor_faults_per_image\":%.1f}%n", what, run, n, cores, seconds, n / seconds, faults < 0 ? -1.0 : faults / (double) n);
    }
}
