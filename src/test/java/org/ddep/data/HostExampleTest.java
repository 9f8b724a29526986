package org.ddep.data;

import org.ddep.noise.DenoisingObjective;
import org.ddep.config.NoiseSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stacked minibatch is exactly DL4J's merge of the same examples made one by one, for every stage's example. */
class HostExampleTest {
    @Test
    void stackingEqualsMergingOneExampleMinibatches() {
        SplittableRandom rnd = new SplittableRandom(9);
        int h = 6;
        int w = 5;
        List<HostExample> seg = new ArrayList<>();
        List<HostExample> den = new ArrayList<>();
        List<HostExample> cls = new ArrayList<>();
        DenoisingObjective noise = new DenoisingObjective(NoiseSpec.paperDefault());
        for (int i = 0; i < 3; i++) {
            float[] chw = new float[3 * h * w];
            int[] mask = new int[h * w];
            for (int j = 0; j < chw.length; j++) {
                chw[j] = (float) rnd.nextDouble(-1, 1);
            }
            for (int j = 0; j < mask.length; j++) {
                mask[j] = rnd.nextInt(5) == 0 ? 255 : rnd.nextInt(4);
            }
            seg.add(Examples.segmentation(new Augment.Sample(chw, h, w, mask), 4));
            den.add(Examples.denoising(noise.corrupt(chw, rnd), h, w));
            cls.add(Examples.classification(new Augment.Sample(chw, h, w, null), i, 3));
        }
        for (List<HostExample> xs : List.of(seg, den, cls)) {
            MultiDataSet stacked = HostExample.stack(xs);
            MultiDataSet merged = org.nd4j.linalg.dataset.MultiDataSet.merge(xs.stream().map(HostExample::toMultiDataSet).toList());
            assertEquals(merged.getFeatures(0), stacked.getFeatures(0));
            assertEquals(merged.getLabels(0), stacked.getLabels(0));
            assertEquals(3, stacked.getFeatures(0).size(0));
            if (merged.getLabelsMaskArrays() == null) {
                assertNull(stacked.getLabelsMaskArrays());
            } else {
                assertEquals(merged.getLabelsMaskArray(0), stacked.getLabelsMaskArray(0));
            }
        }
        MultiDataSet s = HostExample.stack(seg);
        assertEquals(DataType.UINT8, s.getLabels(0).dataType());
        assertEquals(List.of(3L, 1L, (long) h, (long) w), List.of(s.getLabels(0).size(0), s.getLabels(0).size(1),
                s.getLabels(0).size(2), s.getLabels(0).size(3)));
        // the second example's pixel (2, 3) landed at its own offset
        float[] secondImage = seg.get(1).features()[0].floats();
        assertEquals(secondImage[2 * w + 3], s.getFeatures(0).getFloat(1, 0, 2, 3));
        assertEquals(secondImage[2 * h * w + 2 * w + 3], s.getFeatures(0).getFloat(1, 2, 2, 3));
    }

    @Test
    void examplesOfDifferentShapesAreRefusedNamingTheShapes() {
        HostExample a = Examples.denoising(new DenoisingObjective.Example(new float[3 * 4], new float[3 * 4]), 2, 2);
        HostExample b = Examples.denoising(new DenoisingObjective.Example(new float[3 * 6], new float[3 * 6]), 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostExample.stack(List.of(a, b)));
        assertTrue(e.getMessage().contains("[3, 2, 3]") && e.getMessage().contains("[3, 2, 2]"), e.getMessage());
    }
}
