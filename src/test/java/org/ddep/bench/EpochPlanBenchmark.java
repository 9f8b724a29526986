package org.ddep.bench;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddep.config.ConfigLoader;
import org.ddep.data.EpochData;
import org.ddep.data.EpochOrder;
import org.ddep.data.Rounds;
import org.ddep.prep.ShardSchema;
import org.ddep.stage.Sparks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.rand;

/**
 * How long the driver's planning of an epoch takes (a benchmark, not a test): ROWS generated shard
 * rows (ImageNet-style ids, empty image bytes: the plan reads ids only) in FILES Parquet files, then
 * the listing and per-partition row count that {@code stage/Training} does once per stage, and the
 * per-epoch and per-window arithmetic of {@link EpochOrder}. Prints one JSON line.
 * Usage: EpochPlanBenchmark ROWS FILES WORKERS BATCH_PER_WORKER FREQUENCY CHUNK_ROUNDS
 */
public final class EpochPlanBenchmark {
    public static void main(String[] a) throws Exception {
        long rows = Long.parseLong(a[0]);
        int files = Integer.parseInt(a[1]);
        int workers = Integer.parseInt(a[2]);
        int batch = Integer.parseInt(a[3]);
        int frequency = Integer.parseInt(a[4]);
        int chunkRounds = Integer.parseInt(a[5]);
        // Every file its own input partition, as ~128 MB shard files are (these are tiny: ids only).
        SparkSession spark = Sparks.session(ConfigLoader.load(null, List.of("spark.master=\"local[2]\"",
                "spark.conf.\"spark.ui.enabled\"=\"false\"",
                "spark.conf.\"spark.sql.files.openCostInBytes\"=\"134217728\"")).spark());
        Path dir = Files.createTempDirectory("epoch-plan");
        String table = dir.resolve("split=train").toUri().toString();
        spark.range(0, rows, 1, files)
                .select(concat(lit("n0"), (col("id").mod(21841)).cast("string"), lit("/img_"), col("id").cast("string"),
                                lit(".JPEG")).as(ShardSchema.ID),
                        lit(new byte[0]).as(ShardSchema.IMAGE), lit(224).as(ShardSchema.HEIGHT), lit(224).as(ShardSchema.WIDTH),
                        lit(null).cast("binary").as(ShardSchema.MASK), (col("id").mod(21841)).cast("int").as(ShardSchema.LABEL),
                        rand(1).as(ShardSchema.LABEL_KEY), lit("generated").as(ShardSchema.SOURCE))
                .write().parquet(table);

        long t0 = System.nanoTime();
        Dataset<Row> df = spark.read().schema(ShardSchema.SCHEMA).parquet(table);
        long[] partitionRows = EpochData.partitionRows(df);
        long t1 = System.nanoTime();
        Rounds r = new Rounds(rows, workers, batch, frequency);
        EpochOrder order = new EpochOrder(partitionRows, r, chunkRounds, 42);
        long[] offsets = order.offsets(1);
        long t2 = System.nanoTime();
        int[] shuffle = order.windowShuffle(1, 0);
        long t3 = System.nanoTime();
        System.out.printf(Locale.ROOT, "{\"rows\":%d,\"files\":%d,\"partitions\":%d,\"list_and_count_s\":%.2f,"
                        + "\"epoch_order_ms\":%.2f,\"window_rows\":%d,\"window_shuffle_ms\":%.2f,\"rounds\":%d,\"chunks\":%d}%n",
                rows, files, offsets.length, (t1 - t0) / 1e9, (t2 - t1) / 1e6, shuffle.length, (t3 - t2) / 1e6,
                r.count(), order.chunks());
        spark.stop();
    }
}
