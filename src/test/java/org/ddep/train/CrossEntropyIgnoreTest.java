package org.ddep.train;

import org.ddep.config.ModelSpec;
import org.ddep.data.Augment;
import org.ddep.data.Examples;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.prep.ShardSchema;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CrossEntropyIgnoreTest {
    @Test
    void pixelsLabelledIgnoreContributeNothingToTheLoss() {
        int classes = 3;
        int side = 8;
        ComputationGraph net = ModelFactory.create(new ModelSpec("unet", 1, 2, 1), Head.segment(classes),
                new CosineDecay(1e-3, 10), 1);
        SplittableRandom rnd = new SplittableRandom(1);
        float[] img = new float[3 * side * side];
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) rnd.nextDouble(-1, 1);
        }
        int[] mask = new int[side * side];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = i % 3 == 0 ? ShardSchema.IGNORE : rnd.nextInt(classes);
        }
        MultiDataSet ds = Examples.segmentation(new Augment.Sample(img, side, side, mask), classes).toMultiDataSet();
        float[] p = net.outputSingle(false, Examples.image(img, side, side)).dup('c').data().asFloat();
        double expected = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != ShardSchema.IGNORE) {
                expected -= Math.log(p[mask[i] * side * side + i]);
            }
        }
        assertEquals(expected, net.score(ds, false), 1e-3 * Math.abs(expected));

        int[] allIgnore = new int[side * side];
        Arrays.fill(allIgnore, ShardSchema.IGNORE);
        assertEquals(0.0, net.score(Examples.segmentation(new Augment.Sample(img, side, side, allIgnore), classes).toMultiDataSet(), false), 1e-9);
    }
}
