package org.ddep.prep;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Raw mask value (0..255) to train id, or to {@link ShardSchema#IGNORE}. Values the dataset does
 * not define are "out of range": they become ignore and are counted per file.
 */
public final class LabelMap implements Serializable {
    private static final int OUT_OF_RANGE = -1;
    private final int[] table;

    private LabelMap(int[] table) {
        this.table = table;
    }

    /** Values 0..numClasses-1 are train ids already; 255 is ignore; anything else is out of range. */
    public static LabelMap identity(int numClasses) {
        int[] t = new int[256];
        Arrays.fill(t, OUT_OF_RANGE);
        for (int i = 0; i < numClasses; i++) {
            t[i] = i;
        }
        t[ShardSchema.IGNORE] = ShardSchema.IGNORE;
        return new LabelMap(t);
    }

    /**
     * The "0 is not a class" convention of ADE20K and Pascal Context (PAPER.md "Dataset facts"):
     * 0 -> ignore, 1..classes -> 0..classes-1; raw 255 -> ignore when {@code keep255}, else out of
     * range like every other value.
     */
    public static LabelMap zeroIgnoredShiftedDown(int classes, boolean keep255) {
        int[] t = new int[256];
        Arrays.fill(t, OUT_OF_RANGE);
        t[0] = ShardSchema.IGNORE;
        for (int raw = 1; raw <= classes; raw++) {
            t[raw] = raw - 1;
        }
        if (keep255) {
            t[ShardSchema.IGNORE] = ShardSchema.IGNORE;
        }
        return new LabelMap(t);
    }

    /** Maps through {@code rawToTrain}: entries >= 0 are train ids or 255; -1 marks an undefined raw value. */
    public static LabelMap of(int[] rawToTrain) {
        if (rawToTrain.length != 256) {
            throw new IllegalArgumentException("a label map has 256 entries, got " + rawToTrain.length);
        }
        return new LabelMap(rawToTrain.clone());
    }

    /** Maps a whole mask in place; returns how many pixels had an out-of-range value. */
    public int apply(int[] values) {
        int bad = 0;
        for (int i = 0; i < values.length; i++) {
            int v = values[i];
            int t = v >= 0 && v < 256 ? table[v] : OUT_OF_RANGE;
            if (t == OUT_OF_RANGE) {
                bad++;
                t = ShardSchema.IGNORE;
            }
            values[i] = t;
        }
        return bad;
    }
}
