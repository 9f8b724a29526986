package org.ddep.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EpochOrderTest {
    private static final long[] PARTITIONS = {7, 0, 13, 5, 21, 1, 9};

    /** Epoch positions of every row, partition by partition, row by row, as the chunks place them. */
    private static long[][] positions(EpochOrder o, int epoch) {
        long[] offsets = o.offsets(epoch);
        long[][] pos = new long[PARTITIONS.length][];
        for (int p = 0; p < PARTITIONS.length; p++) {
            pos[p] = new long[(int) PARTITIONS[p]];
            Arrays.fill(pos[p], -1);
        }
        for (int c = 0; c < o.chunks(); c++) {
            int[] shuffle = o.windowShuffle(epoch, c);
            for (int p = 0; p < PARTITIONS.length; p++) {
                if (!o.touches(offsets, c, p)) {
                    continue;
                }
                for (int i = 0; i < PARTITIONS[p]; i++) {
                    long at = o.position(offsets, shuffle, c, p, i);
                    if (at >= 0) {
                        assertEquals(-1, pos[p][i], "row placed by two windows");
                        pos[p][i] = at;
                        // its window's rounds hold it
                        int target = o.target(c, at);
                        int rounds = o.endRound(c) - o.firstRound(c);
                        assertTrue(target >= 0 && target < rounds * o.rounds().workers());
                    }
                }
            }
        }
        return pos;
    }

    @ParameterizedTest
    @CsvSource({"2, 4, 2, 1", "2, 4, 2, 3", "3, 2, 1, 2", "1, 8, 1, 100", "4, 1, 1, 1"})
    void everyRowHasOnePositionAndEveryPositionOneRow(int workers, int batch, int frequency, int chunkRounds) {
        EpochOrder o = new EpochOrder(PARTITIONS, new Rounds(56, workers, batch, frequency), chunkRounds, 42);
        for (int epoch = 0; epoch < 3; epoch++) {
            Set<Long> seen = new HashSet<>();
            for (long[] rows : positions(o, epoch)) {
                for (long p : rows) {
                    assertTrue(p >= 0 && p < 56 && seen.add(p), "position " + p);
                }
            }
            assertEquals(56, seen.size());
        }
    }

    @Test
    void orderIsFreshEveryEpochAndTheSameForTheSameSeed() {
        Rounds r = new Rounds(56, 2, 4, 2);
        EpochOrder o = new EpochOrder(PARTITIONS, r, 2, 42);
        assertTrue(Arrays.deepEquals(positions(o, 1), positions(new EpochOrder(PARTITIONS.clone(), r, 2, 42), 1)));
        assertFalse(Arrays.deepEquals(positions(o, 0), positions(o, 1)));
        assertFalse(Arrays.deepEquals(positions(o, 1), positions(new EpochOrder(PARTITIONS, r, 2, 43), 1)));
    }

    @Test
    void aShortLastRoundIsSplitEvenlyAndCountsItsBusiestWorkersMinibatches() {
        // 56 rows in rounds of 2 x 4 x 2 = 16: three full rounds, then 8 rows, 4 per worker = one minibatch each.
        Rounds r = new Rounds(56, 2, 4, 2);
        assertEquals(4, r.count());
        assertEquals(8, r.rowsOf(3));
        assertEquals(1, r.iterations(3));
        assertEquals(3 * 2 + 1, r.iterationsPerEpoch());
        // 57 rows: the last 9 split 5 and 4, the first worker fits 2 minibatches (4 + 1).
        Rounds odd = new Rounds(57, 2, 4, 2);
        assertEquals(5, odd.workerRows(3, 0));
        assertEquals(4, odd.workerRows(3, 1));
        assertEquals(2, odd.iterations(3));
        long[] perWorker = new long[2];
        for (long offset = 0; offset < 9; offset++) {
            perWorker[odd.workerOf(3, offset)]++;
        }
        assertArrayEquals(new long[]{5, 4}, perWorker);
        // Fewer rows than workers: the idle worker gets none, the round one update.
        Rounds tiny = new Rounds(3, 4, 2, 5);
        assertEquals(1, tiny.count());
        assertEquals(0, tiny.workerRows(0, 3));
        assertEquals(1, tiny.iterationsPerEpoch());
    }
}
