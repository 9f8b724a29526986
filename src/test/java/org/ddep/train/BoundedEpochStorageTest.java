package org.ddep.train;

import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddep.data.EpochData;
import org.ddep.data.EpochOrder;
import org.ddep.data.HadoopFiles;
import org.ddep.prep.ImageCodec;
import org.ddep.prep.ShardRecord;
import org.ddep.prep.ShardSchema;
import org.ddep.testing.LocalSpark;
import org.ddep.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.JavaConverters;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Spark holds for training, read from Spark itself (block updates, task shuffle metrics, the
 * block manager's local files) over one epoch of N and of 4N rows: the peak does not grow with the
 * rows, and nothing is left cached or on disk after the stage.
 */
class BoundedEpochStorageTest {
    private static final int ROWS_PER_FILE = 32;

    @Test
    void peakStorageAndShuffleOfAnEpochDoNotGrowWithItsRows(@TempDir Path dir) throws Exception {
        Figures n = epoch(dir.resolve("n"), 64);
        Figures n4 = epoch(dir.resolve("4n"), 256);
        System.out.println("Spark storage over one epoch, 64 rows: " + n + "; 256 rows: " + n4);
        // The epoch did move 4x the rows through Spark...
        assertTrue(n4.shuffleWritten() > 3.5 * n.shuffleWritten(), n + " vs " + n4);
        // ...but never more at once: one window of rounds.
        assertEquals(n.peakShufflePerStage(), n4.peakShufflePerStage(), 0.1 * n.peakShufflePerStage(), n + " vs " + n4);
        assertEquals(n.peakLocalFiles(), n4.peakLocalFiles(), 0.1 * n.peakLocalFiles(), n + " vs " + n4);
        // Nothing of the epoch is cached (Spark's own task and model broadcasts are blocks too, freed by its cleaner).
        assertEquals(0, n4.peakRddBlocks(), n4.toString());
        for (Figures f : List.of(n, n4)) {
            assertTrue(f.peakShufflePerStage() > 0 && f.peakLocalFiles() > 0, f.toString());
            assertEquals(0, f.cachedRddsAfter(), "RDDs left cached: " + f);
            assertEquals(0, f.rddBlockBytesAfter(), "RDD blocks left: " + f);
            assertEquals(0, f.localFileBytesAfter(), "shuffle or spill files left: " + f);
        }
    }

    /** Spark's own figures over one epoch of fine-tuning a tiny model on {@code rows} generated shard rows. */
    private static Figures epoch(Path dir, int rows) throws Exception {
        SparkSession spark = LocalSpark.get();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String shards = dir.resolve("shards").toUri().toString();
        // Parallelized, not repartitioned: writing the shards leaves no shuffle files behind to count.
        spark.createDataFrame(sc.parallelize(generated(rows), rows / ROWS_PER_FILE), ShardSchema.SCHEMA).write().parquet(shards);
        Dataset<Row> table = spark.read().schema(ShardSchema.SCHEMA).parquet(shards);

        SparkTrainer.Plan plan = new SparkTrainer.Plan("storage", 1, 8, 2, 2, 2, 1e-3, 7, true, rows, 1, 2, 0, 0);
        long[] partitionRows = EpochData.partitionRows(table);
        EpochOrder order = new EpochOrder(partitionRows, plan.rounds(), plan.chunkRounds(), plan.seed());
        var rowsRdd = table.javaRDD();
        EpochData.ExampleFn fn = EpochData.segmentation(16, true, 3);

        // Files other tests of this JVM left for Spark's cleaner are not this epoch's: only new files count.
        Watch watch = new Watch(localFiles());
        spark.sparkContext().addSparkListener(watch);
        try {
            new SparkTrainer(sc, new HadoopFiles(sc.hadoopConfiguration()), dir.resolve("stage").toUri().toString(), plan,
                    List.of(), false, "hold").train(TinyModels.pointwise(3, 1),
                    SparkTrainer.RoundSource.of(rowsRdd, order, fn), (e, m) -> { });
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            spark.sparkContext().removeSparkListener(watch);
        }
        long rddBytes = watch.blocks.entrySet().stream().filter(e -> e.getKey().startsWith("rdd_"))
                .mapToLong(Map.Entry::getValue).sum();
        return new Figures(watch.peakRdd, watch.shufflePerStage.values().stream().mapToLong(Long::longValue).max().orElse(0),
                watch.shufflePerStage.values().stream().mapToLong(Long::longValue).sum(), watch.peakFiles,
                spark.sparkContext().getPersistentRDDs().size(), rddBytes, localFileBytes(watch.before));
    }

    record Figures(long peakRddBlocks, long peakShufflePerStage, long shuffleWritten, long peakLocalFiles, int cachedRddsAfter,
                   long rddBlockBytesAfter, long localFileBytesAfter) {
    }

    /** Every file under this JVM's Spark local directories (shuffle files, spilled blocks). */
    static List<File> localFiles() {
        return JavaConverters.seqAsJavaList(SparkEnv.get().blockManager().diskBlockManager().getAllFiles());
    }

    /** Bytes of the files under Spark's local directories that are not in {@code before}. */
    static long localFileBytes(java.util.Set<File> before) {
        long sum = 0;
        for (File f : localFiles()) {
            if (!before.contains(f)) {
                sum += f.length();
            }
        }
        return sum;
    }

    private static final class Watch extends SparkListener {
        final java.util.Set<File> before;
        final Map<String, Long> blocks = new ConcurrentHashMap<>();
        final Map<Integer, Long> shufflePerStage = new ConcurrentHashMap<>();
        long currentRdd;
        long peakRdd;
        long peakFiles;

        Watch(List<File> existing) {
            before = new java.util.HashSet<>(existing);
        }

        @Override
        public synchronized void onBlockUpdated(SparkListenerBlockUpdated e) {
            var info = e.blockUpdatedInfo();
            long size = info.storageLevel().isValid() ? info.memSize() + info.diskSize() : 0;
            Long before = size == 0 ? blocks.remove(info.blockId().name()) : blocks.put(info.blockId().name(), size);
            if (info.blockId().isRDD()) {
                currentRdd += size - (before == null ? 0 : before);
                peakRdd = Math.max(peakRdd, currentRdd);
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd e) {
            if (e.taskMetrics() != null) {
                shufflePerStage.merge(e.stageId(), e.taskMetrics().shuffleWriteMetrics().bytesWritten(), Long::sum);
            }
        }

        @Override
        public synchronized void onJobEnd(SparkListenerJobEnd e) {
            peakFiles = Math.max(peakFiles, localFileBytes(before));
        }
    }

    /** Shard rows of random 16x16 images with 3-class masks (what prep writes, in miniature). */
    static List<Row> generated(int rows) {
        Random rnd = new Random(rows);
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
            int[] mask = new int[16 * 16];
            for (int p = 0; p < mask.length; p++) {
                img.setRGB(p % 16, p / 16, rnd.nextInt(1 << 24));
                mask[p] = rnd.nextInt(4) == 0 ? ShardSchema.IGNORE : rnd.nextInt(3);
            }
            out.add(ShardSchema.toRow(new ShardRecord("row-" + i, ImageCodec.encodePng(img), 16, 16,
                    ImageCodec.encodeMask(new ImageCodec.Mask(16, 16, mask)), null, rnd.nextDouble(), "generated")));
        }
        return out;
    }
}
