package org.ddep.data;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Which row goes where in an epoch, planned from the row count of each input partition (the shard
 * table's splits) and nothing per row, so the driver's plan costs O(partitions) whatever the rows.
 * Epoch {@code e}'s order: the input partitions in a random order of seed (run seed, e), their rows
 * concatenated, then shuffled uniformly inside each window of {@code chunkRounds} rounds. A window
 * is what Spark moves at a time ({@link RoundChunk}), so a larger one mixes more and holds more.
 * The same seed, counts and window give the same order on a re-run, also from the middle of an epoch.
 */
public record EpochOrder(long[] partitionRows, Rounds rounds, int chunkRounds, long seed) implements Serializable {
    public EpochOrder {
        if (chunkRounds < 1) {
            throw new IllegalArgumentException("chunk of " + chunkRounds + " rounds");
        }
        long n = 0;
        for (long c : partitionRows) {
            n += c;
        }
        if (n != rounds.rows()) {
            throw new IllegalArgumentException("partitions hold " + n + " rows, the rounds plan " + rounds.rows());
        }
    }

    public int chunks() {
        return (rounds.count() + chunkRounds - 1) / chunkRounds;
    }

    public int chunkOf(int round) {
        return round / chunkRounds;
    }

    public int firstRound(int chunk) {
        return chunk * chunkRounds;
    }

    /** One past the chunk's last round. */
    public int endRound(int chunk) {
        return Math.min(rounds.count(), (chunk + 1) * chunkRounds);
    }

    long windowStart(int chunk) {
        return firstRound(chunk) * rounds.roundRows();
    }

    long windowEnd(int chunk) {
        return Math.min(rounds.rows(), endRound(chunk) * rounds.roundRows());
    }

    /** Input partitions in epoch {@code epoch}'s order. */
    public int[] partitionOrder(int epoch) {
        return permutation(partitionRows.length, new SplittableRandom(EpochData.mix(seed, epoch, -1)));
    }

    /** Where each input partition starts in the concatenated (not yet window-shuffled) order. */
    public long[] offsets(int epoch) {
        int[] order = partitionOrder(epoch);
        long[] offset = new long[partitionRows.length];
        long at = 0;
        for (int p : order) {
            offset[p] = at;
            at += partitionRows[p];
        }
        return offset;
    }

    /** The uniform shuffle of window {@code chunk}: concatenated place (from the window's start) to epoch position. */
    public int[] windowShuffle(int epoch, int chunk) {
        int n = Math.toIntExact(windowEnd(chunk) - windowStart(chunk));
        return permutation(n, new SplittableRandom(EpochData.mix(seed, epoch, chunk)));
    }

    /** Epoch position of row {@code i} of input partition {@code p}, or -1 when it falls outside window {@code chunk}. */
    long position(long[] offsets, int[] shuffle, int chunk, int p, long i) {
        long at = offsets[p] + i;
        long start = windowStart(chunk);
        if (at < start || at >= windowEnd(chunk)) {
            return -1;
        }
        return start + shuffle[(int) (at - start)];
    }

    /** True when input partition {@code p} has rows in window {@code chunk}. */
    boolean touches(long[] offsets, int chunk, int p) {
        return partitionRows[p] > 0 && offsets[p] < windowEnd(chunk) && offsets[p] + partitionRows[p] > windowStart(chunk);
    }

    /** The chunk-local Spark partition (round in chunk x workers + worker) of the row at epoch position {@code pos}. */
    int target(int chunk, long pos) {
        int r = Math.toIntExact(pos / rounds.roundRows());
        return (r - firstRound(chunk)) * rounds.workers() + rounds.workerOf(r, pos - r * rounds.roundRows());
    }

    private static int[] permutation(int n, SplittableRandom rnd) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
