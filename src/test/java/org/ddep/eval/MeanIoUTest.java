package org.ddep.eval;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MeanIoUTest {
    @Test
    void iouMatchesAHandComputedCase() {
        // truth:     0 0 1 1 2 255
        // predicted: 0 1 1 1 1 0
        ConfusionMatrix m = new ConfusionMatrix(4).add(new int[]{0, 0, 1, 1, 2, 255}, new int[]{0, 1, 1, 1, 1, 0});
        MeanIoU r = MeanIoU.of(m);
        assertEquals(0.5, r.perClassIou().get(0), 1e-12);      // tp 1, fn 1
        assertEquals(0.5, r.perClassIou().get(1), 1e-12);      // tp 2, fp 2
        assertEquals(0.0, r.perClassIou().get(2), 1e-12);      // fn 1
        assertTrue(r.perClassIou().get(3).isNaN());             // absent in truth and prediction: excluded
        assertEquals((0.5 + 0.5 + 0.0) / 3, r.miou(), 1e-12);
        assertEquals(3 / 5.0, r.pixelAccuracy(), 1e-12);        // ignore pixel not counted
        assertEquals(5, r.pixels());
    }

    @Test
    void allIgnoreImageCountsNoPixels() {
        ConfusionMatrix m = new ConfusionMatrix(3).add(new int[]{255, 255}, new int[]{1, 2});
        assertEquals(0, m.pixels());
        assertEquals(1, m.images());
        assertTrue(Double.isNaN(MeanIoU.of(m).miou()));
    }

    @Test
    void partitionMatricesSumToTheWhole() {
        int[] t1 = {0, 1, 2};
        int[] p1 = {0, 2, 2};
        int[] t2 = {1, 1};
        int[] p2 = {1, 0};
        ConfusionMatrix merged = new ConfusionMatrix(3).add(t1, p1).merge(new ConfusionMatrix(3).add(t2, p2));
        ConfusionMatrix whole = new ConfusionMatrix(3).add(new int[]{0, 1, 2, 1, 1}, new int[]{0, 2, 2, 1, 0});
        assertEquals(MeanIoU.of(whole).perClassIou(), MeanIoU.of(merged).perClassIou());
        assertEquals(MeanIoU.of(whole).pixelAccuracy(), MeanIoU.of(merged).pixelAccuracy());
        assertEquals(2, merged.images());
    }

    @Test
    void classesAbsentFromTruthAndPredictionAreLeftOutOfTheMeanButPredictedOnlyClassesCount() {
        // Two images, 5 classes. Class 3 is never true but predicted once (IoU 0, counted);
        // class 4 appears nowhere (excluded); an all-ignore image adds no pixels.
        // image 1 truth 0 0 1 1, predicted 0 3 1 1; image 2 truth 2 2 255 1, predicted 2 1 0 1
        ConfusionMatrix m = new ConfusionMatrix(5)
                .add(new int[]{0, 0, 1, 1}, new int[]{0, 3, 1, 1})
                .add(new int[]{2, 2, 255, 1}, new int[]{2, 1, 0, 1})
                .add(new int[]{255, 255, 255}, new int[]{4, 4, 4});
        MeanIoU r = MeanIoU.of(m);
        assertEquals(1 / 2.0, r.perClassIou().get(0), 1e-12);   // tp 1, fn 1 (predicted 3)
        assertEquals(3 / 4.0, r.perClassIou().get(1), 1e-12);   // tp 3, fp 1 (a true 2)
        assertEquals(1 / 2.0, r.perClassIou().get(2), 1e-12);   // tp 1, fn 1
        assertEquals(0.0, r.perClassIou().get(3), 1e-12);       // fp 1 only
        assertTrue(r.perClassIou().get(4).isNaN());
        assertEquals((0.5 + 0.75 + 0.5 + 0.0) / 4, r.miou(), 1e-12);
        assertEquals(5 / 7.0, r.pixelAccuracy(), 1e-12);
        assertEquals(7, r.pixels());
        assertEquals(3, r.images());
    }

    @Test
    void aPredictionOutsideTheClassesIsAnError() {
        ConfusionMatrix m = new ConfusionMatrix(3);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> m.add(new int[]{0, 1}, new int[]{0, 3}));
        assertTrue(e.getMessage().contains("predicted class 3"), e.getMessage());
        assertThrows(() -> m.add(new int[]{7}, new int[]{0}), "true label 7");
    }

    private static void assertThrows(org.junit.jupiter.api.function.Executable ex, String message) {
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, ex);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
