package org.ddep.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddep.data.EpochData;
import org.ddep.data.EpochOrder;
import org.ddep.data.HadoopFiles;
import org.ddep.data.MinibatchBuffers;
import org.ddep.prep.ShardSchema;
import org.ddep.testing.LocalSpark;
import org.ddep.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Without prefetch, a training worker's fitted minibatches go back to {@link MinibatchBuffers}
 * and the next ones are built in them. (With prefetch, DL4J's prefetch thread builds each
 * minibatch inside a workspace, which reuses its memory itself, and nothing reaches the pool.)
 */
class ReleasedMinibatchesTest {
    @Test
    void withoutPrefetchFittedMinibatchesCarryTheNextOnes(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String shards = dir.resolve("shards").toUri().toString();
        int rows = 64;
        spark.createDataFrame(sc.parallelize(BoundedEpochStorageTest.generated(rows), 2), ShardSchema.SCHEMA)
                .write().parquet(shards);
        Dataset<Row> table = spark.read().schema(ShardSchema.SCHEMA).parquet(shards);
        // 64 rows, global batch 8 over 2 workers, averaging every 2: 4 rounds of 2 minibatches per worker.
        SparkTrainer.Plan plan = new SparkTrainer.Plan("reuse", 1, 8, 2, 2, 0, 1e-3, 7, true, rows, 1, 2, 0, 0);
        EpochOrder order = new EpochOrder(EpochData.partitionRows(table), plan.rounds(), plan.chunkRounds(), plan.seed());
        MinibatchBuffers.clear();
        long[] before = MinibatchBuffers.counts();
        new SparkTrainer(sc, new HadoopFiles(sc.hadoopConfiguration()), dir.resolve("stage").toUri().toString(), plan,
                List.of(), false, "hold").train(TinyModels.pointwise(3, 1),
                SparkTrainer.RoundSource.of(table.javaRDD(), order, EpochData.segmentation(16, true, 3)), (e, m) -> { });
        long[] after = MinibatchBuffers.counts();
        long reused = after[0] - before[0];
        long allocated = after[1] - before[1];
        // 16 minibatches of 4 examples, 3 arrays each (features, class indices, label mask): 48 takes. A
        // worker fits one minibatch at a time, so at most 2 minibatches (6 arrays) are ever out at once,
        // and only those need allocating.
        assertEquals(48, reused + allocated, "arrays taken: reused " + reused + ", allocated " + allocated);
        assertTrue(allocated <= 6, "allocated " + allocated + " of 48 arrays, reused " + reused);
        MinibatchBuffers.clear();
    }
}
