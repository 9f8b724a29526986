package org.ddep.data;

import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.sql.Row;
import org.ddep.prep.Iterators;
import org.ddep.prep.ShardRecord;
import org.ddep.prep.ShardSchema;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import scala.Tuple2;
import scala.runtime.AbstractFunction1;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * The rounds of one window of an epoch ({@link EpochOrder}), the only training data Spark moves at a
 * time: the compact shard rows (encoded image, mask, label) of the input partitions the window
 * touches, sent in one shuffle to one Spark partition per (round, worker), sorted by epoch position.
 * A round is that window's {@code workers} partitions, decoded, augmented and batched lazily on the
 * executor while the worker fits them. {@link #close()} deletes the window's shuffle files.
 */
public final class RoundChunk implements AutoCloseable {
    private final EpochOrder order;
    private final int chunk;
    private final JavaPairRDD<Long, EncodedRow> rows;
    private final long seed;
    private final int epoch;
    private final EpochData.ExampleFn fn;

    private RoundChunk(EpochOrder order, int epoch, int chunk, JavaPairRDD<Long, EncodedRow> rows, EpochData.ExampleFn fn) {
        this.order = order;
        this.epoch = epoch;
        this.chunk = chunk;
        this.rows = rows;
        this.seed = order.seed();
        this.fn = fn;
    }

    /** Window {@code chunk} of epoch {@code epoch} over {@code input} (shard rows, partitioned as when counted). */
    public static RoundChunk of(JavaRDD<Row> input, EpochOrder order, int epoch, int chunk, EpochData.ExampleFn fn) {
        if (input.getNumPartitions() != order.partitionRows().length) {
            throw new IllegalStateException("the shard rows have " + input.getNumPartitions() + " partitions, "
                    + order.partitionRows().length + " when counted");
        }
        long[] offsets = order.offsets(epoch);
        List<Integer> touched = new ArrayList<>();
        for (int p = 0; p < offsets.length; p++) {
            if (order.touches(offsets, chunk, p)) {
                touched.add(p);
            }
        }
        int[] parents = touched.stream().mapToInt(Integer::intValue).toArray();
        JavaRDD<Row> read = prune(input, parents);
        JavaPairRDD<Long, EncodedRow> keyed = read.mapPartitionsWithIndex((k, it) -> {
            int p = parents[k];
            int[] shuffle = order.windowShuffle(epoch, chunk);
            long expected = order.partitionRows()[p];
            return new Iterator<Tuple2<Long, EncodedRow>>() {
                long i;
                Tuple2<Long, EncodedRow> next;

                @Override
                public boolean hasNext() {
                    while (next == null && it.hasNext()) {
                        Row row = it.next();
                        long pos = order.position(offsets, shuffle, chunk, p, i++);
                        if (pos >= 0) {
                            next = new Tuple2<>(pos, new EncodedRow(ShardSchema.fromRow(row)));
                        }
                    }
                    if (next == null && i != expected) {
                        throw new IllegalStateException("input partition " + p + " has " + i + " rows, "
                                + expected + " when the epoch was planned");
                    }
                    return next != null;
                }

                @Override
                public Tuple2<Long, EncodedRow> next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    Tuple2<Long, EncodedRow> t = next;
                    next = null;
                    return t;
                }
            };
        }, true).mapToPair(t -> t);
        int partitions = (order.endRound(chunk) - order.firstRound(chunk)) * order.rounds().workers();
        return new RoundChunk(order, epoch, chunk, keyed.repartitionAndSortWithinPartitions(new ByRound(order, chunk, partitions)), fn);
    }

    /** Round {@code round} (of the epoch, inside this chunk): one partition per worker, minibatches built as consumed. */
    public JavaRDD<MultiDataSet> round(int round) {
        if (order.chunkOf(round) != chunk) {
            throw new IllegalArgumentException("round " + round + " is not in chunk " + chunk);
        }
        int workers = order.rounds().workers();
        int first = (round - order.firstRound(chunk)) * workers;
        int[] parts = new int[workers];
        for (int w = 0; w < workers; w++) {
            parts[w] = first + w;
        }
        int batch = order.rounds().batch();
        long s = seed;
        int e = epoch;
        EpochData.ExampleFn f = fn;
        return prune(rows.rdd().toJavaRDD(), parts).mapPartitions(it -> minibatches(it, batch, s, e, f));
    }

    /** Minibatches of {@code batch} examples, each row augmented with the seed of (run seed, epoch, its position). */
    static Iterator<MultiDataSet> minibatches(Iterator<Tuple2<Long, EncodedRow>> it, int batch, long seed, int epoch,
                                             EpochData.ExampleFn fn) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public MultiDataSet next() {
                List<HostExample> one = new ArrayList<>(batch);
                while (one.size() < batch && it.hasNext()) {
                    Tuple2<Long, EncodedRow> t = it.next();
                    ShardRecord r = t._2().record();
                    try {
                        one.add(fn.apply(r, new SplittableRandom(EpochData.mix(seed, epoch, t._1()))));
                    } catch (IOException ex) {
                        throw new UncheckedIOException("cannot decode shard row " + r.id() + " (" + r.source() + ")", ex);
                    }
                }
                return HostExample.stack(one);
            }
        };
    }

    /**
     * Hands a consumed minibatch's off-heap arrays back now rather than at a later garbage collection:
     * to {@link MinibatchBuffers} for the next minibatch of the same shape, or freed. The caller must
     * be done with the minibatch.
     */
    public static void release(MultiDataSet m) {
        for (INDArray[] arrays : List.of(orEmpty(m.getFeatures()), orEmpty(m.getLabels()),
                orEmpty(m.getFeaturesMaskArrays()), orEmpty(m.getLabelsMaskArrays()))) {
            for (INDArray a : arrays) {
                MinibatchBuffers.give(a);
            }
        }
    }

    private static INDArray[] orEmpty(INDArray[] a) {
        return a == null ? new INDArray[0] : a;
    }

    /** Deletes the window's shuffle files (Spark would only at a later driver garbage collection). */
    @Override
    public void close() {
        var deps = rows.rdd().dependencies();
        if (!deps.isEmpty() && deps.head() instanceof org.apache.spark.ShuffleDependency<?, ?, ?> d) {
            var cleaner = rows.context().cleaner();
            if (cleaner.isDefined()) {
                cleaner.get().doCleanupShuffle(d.shuffleId(), true);
            }
        }
    }

    /** Only the listed partitions of {@code rdd}, in that order (no task for the others). */
    static <T> JavaRDD<T> prune(JavaRDD<T> rdd, int[] keep) {
        java.util.Set<Integer> set = new java.util.HashSet<>();
        for (int k : keep) {
            set.add(k);
        }
        return PartitionPruningRDD.create(rdd.rdd(), new Keep(set)).toJavaRDD();
    }

    private static final class Keep extends AbstractFunction1<Object, Object> implements Serializable {
        private final java.util.Set<Integer> keep;

        Keep(java.util.Set<Integer> keep) {
            this.keep = keep;
        }

        @Override
        public Object apply(Object index) {
            return keep.contains((Integer) index);
        }
    }

    /** Epoch position to the chunk's (round, worker) partition. */
    private static final class ByRound extends Partitioner {
        private final EpochOrder order;
        private final int chunk;
        private final int partitions;

        ByRound(EpochOrder order, int chunk, int partitions) {
            this.order = order;
            this.chunk = chunk;
            this.partitions = partitions;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return order.target(chunk, (Long) key);
        }
    }
}
