package org.ddep.eval;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddep.data.Augment;
import org.ddep.data.ImageTensors;
import org.ddep.prep.ImageCodec;
import org.ddep.prep.ShardRecord;
import org.ddep.prep.ShardSchema;
import org.ddep.testing.LocalSpark;
import org.ddep.testing.TinyModels;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Distributed evaluation over real Parquet shards in Spark local mode. */
class EvaluatorTest {
    private static final int CLASSES = 3;

    private static byte[] png(int h, int w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rnd.nextInt(1 << 24));
            }
        }
        return ImageCodec.encodePng(img);
    }

    private static byte[] mask(int h, int w, long seed, boolean allIgnore) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] v = new int[h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = allIgnore || rnd.nextInt(5) == 0 ? ShardSchema.IGNORE : rnd.nextInt(CLASSES);
        }
        return ImageCodec.encodeMask(new ImageCodec.Mask(h, w, v));
    }

    @Test
    void partitionMatricesSumToTheDriversAndUnreadableImagesAreCountedAndNamed(@TempDir Path dir) throws Exception {
        SparkSession spark = LocalSpark.get();
        List<ShardRecord> records = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            int h = 10 + i;
            int w = 14 + 2 * i;
            records.add(new ShardRecord("img" + i, png(h, w, i), h, w, mask(h, w, 100 + i, i == 3), null, i / 7.0, "test"));
        }
        byte[] truncated = Arrays.copyOf(png(12, 12, 9), 40);
        records.add(new ShardRecord("broken", truncated, 12, 12, mask(12, 12, 9, false), null, 0.9, "test/broken.png"));
        int[] tooHigh = new int[12 * 12];
        tooHigh[5] = 9;
        records.add(new ShardRecord("class9", png(12, 12, 10), 12, 12, ImageCodec.encodeMask(new ImageCodec.Mask(12, 12,
                tooHigh)), null, 0.95, "test/class9.png"));
        List<Row> rows = records.stream().map(ShardSchema::toRow).toList();
        String out = dir.resolve("split=val").toString();
        spark.createDataFrame(rows, ShardSchema.SCHEMA).repartition(3).write().parquet(out);
        JavaRDD<Row> read = spark.read().schema(ShardSchema.SCHEMA).parquet(out).javaRDD();
        assertTrue(read.getNumPartitions() >= 2, "want several partitions, got " + read.getNumPartitions());

        ComputationGraph net = TinyModels.threeByThree(CLASSES, false, 11);
        var tta = new org.ddep.config.EvalSettings.Protocol(true, List.of(0.75, 1.0), true, 8, 6, 4);
        Evaluator.Tally t = Evaluator.evaluate(JavaSparkContext.fromSparkContext(spark.sparkContext()), net, read, CLASSES,
                4, tta, "test");

        // The same images one by one on the driver.
        ConfusionMatrix expected = new ConfusionMatrix(CLASSES);
        Segmenter seg = new Segmenter(net, 4, tta);
        for (ShardRecord r : records.subList(0, 7)) {
            ImageTensors.Image img = ImageTensors.decode(r.image());
            ImageCodec.Mask m = ImageCodec.decodeMask(r.mask());
            expected.add(m.values(), seg.predict(new Augment.Sample(img.chw(), img.height(), img.width(), null),
                    m.height(), m.width()));
        }
        assertEquals(7, t.matrix().images());
        assertEquals(expected.pixels(), t.matrix().pixels());
        for (int a = 0; a < CLASSES; a++) {
            for (int b = 0; b < CLASSES; b++) {
                assertEquals(expected.count(a, b), t.matrix().count(a, b), "cell " + a + "," + b);
            }
        }
        assertEquals(2, t.skipped());
        assertEquals(2, t.skippedRows().size());
        String skipped = t.skippedRows().toString();
        assertTrue(skipped.contains("broken (test/broken.png)"), skipped);
        assertTrue(skipped.contains("class9 (test/class9.png): mask value 9 is neither a class"), skipped);
    }
}
