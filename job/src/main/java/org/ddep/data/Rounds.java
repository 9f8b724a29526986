package org.ddep.data;

import java.io.Serializable;

/**
 * The round arithmetic of one epoch of parameter averaging: {@code rows} examples cut, in epoch
 * order, into rounds of {@code workers x batch x frequency}. Every row is used once: the last round
 * takes what is left, split as evenly as rows allow over the workers, and counts the minibatches
 * its busiest worker fits (its last minibatch may be short). So the updates a worker applies in an
 * epoch, and the driver's iteration counter, are {@link #iterationsPerEpoch()}.
 */
public record Rounds(long rows, int workers, int batch, int frequency) implements Serializable {
    public Rounds {
        if (rows < 1 || workers < 1 || batch < 1 || frequency < 1) {
            throw new IllegalArgumentException("rounds of " + rows + " rows over " + workers + " workers x batch "
                    + batch + " x frequency " + frequency);
        }
    }

    /** Rows of a full round. */
    public long roundRows() {
        return (long) workers * batch * frequency;
    }

    public int count() {
        return Math.toIntExact((rows + roundRows() - 1) / roundRows());
    }

    /** Rows of round {@code r} (0-based). */
    public long rowsOf(int r) {
        return Math.min(roundRows(), rows - r * roundRows());
    }

    /** Rows worker {@code w} fits in round {@code r}: a full share, or an even split of a short last round. */
    public long workerRows(int r, int w) {
        long n = rowsOf(r);
        return n / workers + (w < n % workers ? 1 : 0);
    }

    /** Minibatches (updates) of round {@code r}: those of its busiest worker. */
    public int iterations(int r) {
        return Math.toIntExact((workerRows(r, 0) + batch - 1) / batch);
    }

    public long iterationsPerEpoch() {
        long full = rows / roundRows();
        return full * frequency + (rows % roundRows() == 0 ? 0 : iterations(count() - 1));
    }

    /** The worker that fits the row at {@code offset} of round {@code r}, and the row's place in its share. */
    public int workerOf(int r, long offset) {
        long n = rowsOf(r);
        long base = n / workers;
        long extra = n % workers;
        // The first `extra` workers take base + 1 rows.
        long split = extra * (base + 1);
        return (int) (offset < split ? offset / (base + 1) : extra + (offset - split) / Math.max(1, base));
    }
}
