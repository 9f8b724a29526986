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
 * (the I/O floor). Prints one JSON line per measurement. bench/prep-benchmark.sh adds PIL.
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

        report("ddep-prep-resize256", n, cores, time(() -> PrepJob.run(spark, spec(in, out, "resized", new Resize(0, 256)))));
        report("ddep-prep-validate", n, cores, time(() -> PrepJob.run(spark, spec(in, out, "validated", Resize.NONE))));
        report("spark-binaryFile-copy", n, cores, time(() -> {
            spark.read().format("binaryFile").option("pathGlobFilter", "*.JPEG").option("recursiveFileLookup", "true")
                    .load(in.toString()).write().mode(SaveMode.Overwrite).parquet(dir.resolve("out/binary").toString());
            return null;
        }));
        spark.stop();
    }

    private static PrepJob.Spec spec(Path in, String out, String name, Resize r) {
        return new PrepJob.Spec("imagenet21k", name, in.toUri().toString(), out, List.of("train"), 128L << 20, 0.0, r);
    }

    interface Work {
        Object run() throws Exception;
    }

    private static double time(Work w) throws Exception {
        long t = System.nanoTime();
        Object r = w.run();
        if (r instanceof Manifest m && m.count("train") == 0) {
            throw new IllegalStateException("prep produced no rows");
        }
        return (System.nanoTime() - t) / 1e9;
    }

    private static void report(String what, int n, int cores, double seconds) {
        System.out.printf(Locale.ROOT, "{\"bench\":\"%s\",\"images\":%d,\"cores\":%d,\"seconds\":%.2f,\"images_per_s\":%.1f}%n",
                what, n, cores, seconds, n / seconds);
    }
}
