package org.ddep.prep;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** The raw-value tables of the three segmentation layouts, checked over all 256 byte values. */
class SegmentationLayoutsLabelMapTest {
    private static final int IGNORE = ShardSchema.IGNORE;

    /** PAPER.md "Dataset facts", written out independently of the layout's own table. */
    private static final Map<Integer, Integer> CITYSCAPES_TRAIN_IDS = Map.ofEntries(
            Map.entry(7, 0), Map.entry(8, 1), Map.entry(11, 2), Map.entry(12, 3), Map.entry(13, 4),
            Map.entry(17, 5), Map.entry(19, 6), Map.entry(20, 7), Map.entry(21, 8), Map.entry(22, 9),
            Map.entry(23, 10), Map.entry(24, 11), Map.entry(25, 12), Map.entry(26, 13), Map.entry(27, 14),
            Map.entry(28, 15), Map.entry(31, 16), Map.entry(32, 17), Map.entry(33, 18));

    private static int[] everyByte() {
        return IntStream.range(0, 256).toArray();
    }

    @Test
    void cityscapesMapsTheNineteenLabelIdsToTrainIdsAndEveryOtherDefinedIdToIgnore() {
        int[] v = everyByte();
        int outOfRange = CityscapesLayout.trainIds().apply(v);
        for (int raw = 0; raw < 256; raw++) {
            int expected = CITYSCAPES_TRAIN_IDS.getOrDefault(raw, IGNORE);
            assertEquals(expected, v[raw], "labelId " + raw);
        }
        // Only 34..254 are undefined: 0..33 are Cityscapes ids and 255 is its -1 (license plate).
        assertEquals(254 - 34 + 1, outOfRange);
    }

    @Test
    void cityscapesCountsOnlyValuesAbove33OtherThan255AsOutOfRange() {
        LabelMap m = CityscapesLayout.trainIds();
        assertEquals(0, m.apply(new int[]{0, 1, 6, 9, 10, 14, 15, 16, 18, 29, 30, 33, 255}));
        assertEquals(3, m.apply(new int[]{34, 100, 254}));
    }

    @Test
    void ade20kIgnoresOtherAndShiftsTheRestDownByOne() {
        int[] v = everyByte();
        int outOfRange = Ade20kLayout.shiftedDown().apply(v);
        assertEquals(IGNORE, v[0]);
        for (int raw = 1; raw <= 150; raw++) {
            assertEquals(raw - 1, v[raw], "raw " + raw);
        }
        for (int raw = 151; raw < 256; raw++) {
            assertEquals(IGNORE, v[raw], "raw " + raw);
        }
        assertEquals(255 - 151 + 1, outOfRange, "151..255 are not ADE20K labels");
    }

    @Test
    void pascalContextIgnoresBackgroundShiftsTheRestDownByOneAndKeeps255AsIgnore() {
        int[] v = everyByte();
        int outOfRange = PascalContextLayout.shiftedDown().apply(v);
        assertEquals(IGNORE, v[0]);
        for (int raw = 1; raw <= 59; raw++) {
            assertEquals(raw - 1, v[raw], "raw " + raw);
        }
        assertEquals(IGNORE, v[255]);
        assertEquals(254 - 60 + 1, outOfRange, "60..254 are out of range, 255 is not");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"cityscapes, 19, road, bicycle", "ade20k, 150, wall, flag", "pascal-context, 59, aeroplane, wood"})
    void eachLayoutNamesItsClassesOnceInTrainIdOrder(String layout, int count, String first, String last) {
        List<String> names = switch (layout) {
            case "cityscapes" -> CityscapesLayout.CLASS_NAMES;
            case "ade20k" -> Ade20kLayout.CLASS_NAMES;
            default -> PascalContextLayout.CLASS_NAMES;
        };
        assertEquals(count, names.size());
        assertEquals(count, new HashSet<>(names).size(), "duplicate class names");
        assertEquals(first, names.get(0));
        assertEquals(last, names.get(count - 1));
        names.forEach(n -> assertEquals(n.strip(), n, "class names carry no padding"));
    }

    @Test
    void theThreeLayoutsAreKnownByTheNamesUsersPass() {
        assertInstanceOf(CityscapesLayout.class, Layouts.byName("cityscapes"));
        assertInstanceOf(Ade20kLayout.class, Layouts.byName("ade20k"));
        assertInstanceOf(PascalContextLayout.class, Layouts.byName("pascal-context"));
        assertEquals("cityscapes", Layouts.byName("cityscapes").name());
        assertEquals("ade20k", Layouts.byName("ade20k").name());
        assertEquals("pascal-context", Layouts.byName("pascal-context").name());
    }
}
