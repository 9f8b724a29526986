package org.ddep.data;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.ddep.config.NoiseSpec;
import org.ddep.noise.DenoisingObjective;
import org.ddep.prep.ImageCodec;
import org.ddep.prep.Iterators;
import org.ddep.prep.ShardRecord;
import org.ddep.prep.ShardSchema;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

import static org.apache.spark.sql.functions.col;

/**
 * Training examples, decoded and augmented on the executors. In training ({@link RoundChunk}) the
 * randomness of each example comes from (run seed, epoch, its position in the epoch): noise and crops
 * are fresh every epoch and the same on a re-run, also one resumed mid-epoch.
 */
public final class EpochData {
    private EpochData() {
    }

    /** Builds one example from a shard row, in Java memory until its minibatch is stacked. */
    public interface ExampleFn extends Serializable {
        HostExample apply(ShardRecord row, SplittableRandom rnd) throws IOException;
    }

    /** Rows per input partition of {@code rows}, reading only the id column: what {@link EpochOrder} plans from. */
    public static long[] partitionRows(Dataset<Row> rows) {
        List<Long> counts = rows.select(col(ShardSchema.ID)).javaRDD().mapPartitions(it -> {
            long n = 0;
            for (; it.hasNext(); it.next()) {
                n++;
            }
            return List.of(n).iterator();
        }).collect();
        return counts.stream().mapToLong(Long::longValue).toArray();
    }

    /** Every row of {@code rows} as one example, partition by partition, with a seed of (seed, epoch, partition). */
    public static JavaRDD<MultiDataSet> of(JavaRDD<Row> rows, long seed, int epoch, ExampleFn fn) {
        Function2<Integer, Iterator<Row>, Iterator<MultiDataSet>> perPartition = (partition, it) -> {
            SplittableRandom rnd = new SplittableRandom(mix(seed, epoch, partition));
            return Iterators.map(it, row -> {
                ShardRecord r = ShardSchema.fromRow(row);
                try {
                    return fn.apply(r, rnd).toMultiDataSet();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot decode shard row " + r.id() + " (" + r.source() + ")", e);
                }
            });
        };
        return rows.mapPartitionsWithIndex(perPartition, false);
    }

    static long mix(long seed, int epoch, long partition) {
        long h = seed * 0x9E3779B97F4A7C15L + epoch;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + partition;
        return h ^ (h >>> 29);
    }

    /** Encoder pretraining: a flipped random crop of {@code size} and the image's class. */
    public static ExampleFn classification(int size, boolean flip, int classes) {
        return (r, rnd) -> Examples.classification(Augment.trainingView(ImageCodec.decodeRgb(r.image()), size, flip, rnd),
                r.label(), classes);
    }

    /** Decoder pretraining: a random crop of {@code size}, corrupted with fresh noise. */
    public static ExampleFn denoising(int size, boolean flip, NoiseSpec noise) {
        DenoisingObjective objective = new DenoisingObjective(noise);
        return (r, rnd) -> {
            Augment.Sample s = Augment.trainingView(ImageCodec.decodeRgb(r.image()), size, flip, rnd);
            return Examples.denoising(objective.corrupt(s.chw(), rnd), size, size);
        };
    }

    /** Fine-tuning: a random crop of {@code crop} (padded with ignore when smaller) and a random flip. */
    public static ExampleFn segmentation(int crop, boolean flip, int classes) {
        return (r, rnd) -> {
            Augment.Sample s = Augment.randomCropFlip(ImageCodec.decodeRgb(r.image()), mask(r), crop, flip, rnd);
            return Examples.segmentation(s, classes);
        };
    }

    /** Decodes a shard row's image (and mask, when asked). */
    public static Augment.Sample sample(ShardRecord r, boolean withMask) throws IOException {
        ImageTensors.Image img = ImageTensors.decode(r.image());
        return new Augment.Sample(img.chw(), img.height(), img.width(), withMask ? mask(r) : null);
    }

    private static int[] mask(ShardRecord r) throws IOException {
        if (!r.hasMask()) {
            throw new IOException("row " + r.id() + " has no mask");
        }
        return ImageCodec.decodeMask(r.mask()).values();
    }
}
