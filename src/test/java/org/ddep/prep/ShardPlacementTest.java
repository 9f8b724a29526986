package org.ddep.prep;

import org.ddep.testing.LocalSpark;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where prep puts a row: Spark's own hash of the id, and file ranges from the summary's keys. */
class ShardPlacementTest {
    @Test
    void theKeyIsSparksXxhash64OfTheId() {
        for (String id : List.of("n01440764/n01440764_10026", "aachen/aachen_000000_000019", "", "ünïcode/ид")) {
            long spark = LocalSpark.get().sql("select xxhash64('" + id + "') as h").first().getLong(0);
            assertEquals(spark, ShardPlacement.key(id), id);
        }
    }

    @Test
    void everyKeyKnownGivesFilesOfEqualCount() {
        Random r = new Random(1);
        for (int rows : new int[]{7, 60, 1001}) {
            for (int files : new int[]{1, 2, 7}) {
                if (files > rows) {
                    continue;
                }
                long[] keys = r.longs(rows).toArray();
                int[] counts = counts(keys, ShardPlacement.bounds(keys, rows, files), files);
                for (int c : counts) {
                    assertTrue(Math.abs(c - rows / (double) files) <= 1, rows + " rows in " + files + " files: " + java.util.Arrays.toString(counts));
                }
            }
        }
    }

    @Test
    void withoutTheKeysTheHashSpaceIsCutIntoEqualRanges() {
        int files = 10;
        long[] bounds = ShardPlacement.bounds(null, 100_000, files);
        for (int i = 1; i < bounds.length; i++) {
            assertTrue(bounds[i - 1] < bounds[i], "ascending");
        }
        // uniform hashes (ids' xxhash64) land within a few binomial spreads of 10,000 per file
        long[] keys = new long[100_000];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = ShardPlacement.key("n0" + (i % 50) + "/img_" + i);
        }
        for (int c : counts(keys, bounds, files)) {
            assertTrue(Math.abs(c - 10_000) < 500, "file of " + c + " rows");
        }
        long[] partial = new long[99];
        assertArrayEquals(ShardPlacement.bounds(null, 100, 4), ShardPlacement.bounds(partial, 100, 4),
                "a partial key set is not used as if it were every key");
    }

    @Test
    void keysBeyondTheCapAreDroppedForTheWholeSplit() {
        ShardPlacement.Keys a = new ShardPlacement.Keys();
        ShardPlacement.Keys b = new ShardPlacement.Keys();
        for (int i = 0; i < 40; i++) {
            a.add(i, 50);
            b.add(100 + i, 50);
        }
        a.merge(b);
        assertEquals(80, a.all().length);
        ShardPlacement.Keys c = new ShardPlacement.Keys();
        for (int i = 0; i < 51; i++) {
            c.add(i, 50);
        }
        assertNull(c.all());
        a.merge(c);
        assertNull(a.all(), "one summary over its cap: the split is placed by equal-width ranges");
    }

    @Test
    void insideAFileRowsAreOrderedByHashThenId() {
        List<Tuple2<Long, String>> keys = new ArrayList<>(List.of(new Tuple2<>(5L, "b"), new Tuple2<>(-3L, "z"),
                new Tuple2<>(5L, "a")));
        keys.sort(new ShardPlacement.Order());
        assertEquals(List.of(new Tuple2<>(-3L, "z"), new Tuple2<>(5L, "a"), new Tuple2<>(5L, "b")), keys);
    }

    private static int[] counts(long[] keys, long[] bounds, int files) {
        ShardPlacement.ByBounds p = new ShardPlacement.ByBounds(bounds);
        assertEquals(files, p.numPartitions());
        int[] counts = new int[files];
        for (long k : keys) {
            counts[p.getPartition(new Tuple2<>(k, "id"))]++;
        }
        return counts;
    }
}
