package org.ddep.prep;

import org.apache.spark.Partitioner;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.unsafe.Platform;
import scala.Tuple2;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Which shard file of its split a row goes to, and its place inside the file. Rows are placed by a
 * 64-bit hash of their id (Spark's {@code xxhash64} of the id, seed 42), not by the id: ids often
 * start with the class (ImageNet's wnid folders), and class-sorted shards would feed training one
 * class per window of rounds. Every file holds one range of hash values, so it is a uniform sample of
 * the split, and inside a file rows are sorted by (hash, id): the same place on every prep run.
 * <p>The ranges come from the prep summary's pass, so that no job reads the kept images again to
 * sample keys (what Spark's range partitioning did): the exact quantiles of every key when the
 * summary could carry them all, else equal-width ranges of the hash space, whose files differ by
 * the binomial spread (about 1.5 % at the 4,300 rows of a 128 MB ImageNet file).
 */
final class ShardPlacement {
    /** Keys the whole summary may carry, over all partitions: 8 MB of driver memory. */
    static final int MAX_SUMMARY_KEYS = 1 << 20;

    private ShardPlacement() {
    }

    /** The row's place: Spark's xxhash64 of the id's UTF-8 bytes (seed 42). */
    static long key(String id) {
        byte[] b = id.getBytes(StandardCharsets.UTF_8);
        return XXH64.hashUnsafeBytes(b, Platform.BYTE_ARRAY_OFFSET, b.length, 42L);
    }

    /** The keys each partition's summary may carry per split: its share of {@link #MAX_SUMMARY_KEYS}, at least 16. */
    static int keysPerPartition(int partitions) {
        return Math.max(16, MAX_SUMMARY_KEYS / Math.max(1, partitions));
    }

    /**
     * The {@code files - 1} ascending bounds of a split with {@code rows} rows: file {@code f} holds
     * the keys {@code k} with {@code bounds[f-1] <= k < bounds[f]}. {@code keys}: every key of the
     * split (then each file gets the same number of rows, within one), or null (equal-width ranges).
     */
    static long[] bounds(long[] keys, long rows, int files) {
        long[] bounds = new long[files - 1];
        if (keys != null && keys.length == rows && rows >= files) {
            long[] sorted = keys.clone();
            Arrays.sort(sorted);
            for (int f = 1; f < files; f++) {
                bounds[f - 1] = sorted[(int) (f * rows / files)];
            }
            return bounds;
        }
        long step = Long.divideUnsigned(-1L, files);
        for (int f = 1; f < files; f++) {
            bounds[f - 1] = Long.MIN_VALUE + f * step;
        }
        return bounds;
    }

    /** Keys ({@code (hash, id)}) to files by the bounds. */
    static final class ByBounds extends Partitioner {
        private final long[] bounds;

        ByBounds(long[] bounds) {
            this.bounds = bounds.clone();
        }

        @Override
        public int numPartitions() {
            return bounds.length + 1;
        }

        @Override
        @SuppressWarnings("unchecked")
        public int getPartition(Object key) {
            long k = ((Tuple2<Long, String>) key)._1();
            // the number of bounds <= k
            int lo = 0;
            int hi = bounds.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (bounds[mid] <= k) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByBounds b && Arrays.equals(bounds, b.bounds);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bounds);
        }
    }

    /** The order inside a file: by hash, then by id. */
    static final class Order implements Comparator<Tuple2<Long, String>>, Serializable {
        @Override
        public int compare(Tuple2<Long, String> a, Tuple2<Long, String> b) {
            int c = Long.compare(a._1(), b._1());
            return c != 0 ? c : a._2().compareTo(b._2());
        }
    }

    /** The keys of one split seen by one summary, up to a cap; past it, none (the split is then placed by equal-width ranges). */
    static final class Keys implements Serializable {
        private long[] keys = new long[16];
        private int size;
        private boolean overflow;

        void add(long key, int cap) {
            if (overflow) {
                return;
            }
            if (size == cap) {
                overflow = true;
                keys = null;
                return;
            }
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, Math.min(cap, 2 * keys.length));
            }
            keys[size++] = key;
        }

        void merge(Keys o) {
            if (overflow || o.overflow) {
                overflow = true;
                keys = null;
                return;
            }
            keys = Arrays.copyOf(keys, size + o.size);
            System.arraycopy(o.keys, 0, keys, size, o.size);
            size += o.size;
        }

        /** Every key seen, or null when some summary had more than its cap. */
        long[] all() {
            return overflow ? null : Arrays.copyOf(keys, size);
        }
    }
}
