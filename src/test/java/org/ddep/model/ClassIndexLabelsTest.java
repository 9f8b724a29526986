package org.ddep.model;

import org.ddep.config.ModelSpec;
import org.ddep.data.Augment;
import org.ddep.data.Examples;

import org.ddep.model.layers.SparseCnnLossLayer;
import org.ddep.prep.ShardSchema;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;

import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;


import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The segmentation head takes per-pixel class indices; its loss and gradients are those of the one-hot
 * MCXENT head it replaced. (Models saved with that head predate the ReLU layers and are refused on load,
 * {@link ModelContractsTest}.)
 */
class ClassIndexLabelsTest {
    /** The example's labels are the mask's class ids pixel for pixel, 0 where the mask says ignore, with a 0 weight there. */
    @Test
    void segmentationExamplesCarryTheMasksClassIdsAndZeroWeightOnIgnore() {
        int h = 5;
        int w = 7;
        int[] mask = new int[h * w];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = i % 4 == 3 ? ShardSchema.IGNORE : (i * 7) % CLASSES;
        }
        MultiDataSet ds = Examples.segmentation(new Augment.Sample(new float[3 * h * w], h, w, mask), CLASSES).toMultiDataSet();
        INDArray labels = ds.getLabels(0);
        INDArray weight = ds.getLabelsMaskArray(0);
        assertEquals(DataType.UINT8, labels.dataType());
        assertArrayEquals(new long[]{1, 1, h, w}, labels.shape());
        for (int i = 0; i < mask.length; i++) {
            boolean ignore = mask[i] == ShardSchema.IGNORE;
            assertEquals(ignore ? 0 : mask[i], labels.getInt(0, 0, i / w, i % w), "pixel " + i);
            assertEquals(ignore ? 0f : 1f, weight.getFloat(0, 0, i / w, i % w), "weight of pixel " + i);
        }
    }

    private static final int CLASSES = 5;
    private static final int SIDE = 8;
    private static final ModelSpec SPEC = new ModelSpec("unet", 1, 2, 1);

    @Test
    void scoreAndGradientEqualTheOneHotMcxentHeadsWithIgnorePixels() {
        ComputationGraph sparse = ModelFactory.create(SPEC, Head.segment(CLASSES), new CosineDecay(1e-3, 10), 3);
        ComputationGraph oneHot = withOneHotHead(sparse);
        MultiDataSet ds = batch(2, 7);
        assertArrayEquals(new long[]{2, 1, SIDE, SIDE}, ds.getLabels(0).shape());

        double sparseScore = scoreAndGradient(sparse, ds.getFeatures(), ds.getLabels(0), ds.getLabelsMaskArray(0));
        INDArray sparseGrad = sparse.gradient().gradient().dup();
        double oneHotScore = scoreAndGradient(oneHot, ds.getFeatures(), oneHot(ds.getLabels(0)), ds.getLabelsMaskArray(0));
        INDArray oneHotGrad = oneHot.gradient().gradient().dup();

        assertTrue(sparseScore > 0);
        assertEquals(oneHotScore, sparseScore, 1e-6 * Math.abs(oneHotScore));
        double scale = oneHotGrad.amaxNumber().doubleValue();
        assertTrue(scale > 0);
        double diff = oneHotGrad.sub(sparseGrad).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-6 * scale, "largest gradient difference " + diff + " of largest gradient " + scale);
    }

    @Test
    void ignorePixelsAddNothingWhateverTheirLabelValue() {
        ComputationGraph net = ModelFactory.create(SPEC, Head.segment(CLASSES), new CosineDecay(1e-3, 10), 3);
        MultiDataSet ds = batch(1, 11);
        INDArray mask = ds.getLabelsMaskArray(0);
        INDArray relabelled = ds.getLabels(0).dup();
        relabelled.assign(mask.rsub(1).muli(CLASSES - 1).castTo(DataType.UINT8).addi(ds.getLabels(0)));
        double score = scoreAndGradient(net, ds.getFeatures(), ds.getLabels(0), mask);
        INDArray grad = net.gradient().gradient().dup();
        assertEquals(score, scoreAndGradient(net, ds.getFeatures(), relabelled, mask), 1e-9);
        assertEquals(grad, net.gradient().gradient());
    }

    @Test
    void theClassIndexHeadSurvivesTheJsonAndZipRoundTrip() throws Exception {
        ComputationGraph net = ModelFactory.create(SPEC, Head.segment(CLASSES), new CosineDecay(1e-3, 10), 3);
        MultiDataSet ds = batch(2, 9);
        net.fit(ds);
        String json = net.getConfiguration().toJson();
        assertEquals(net.getConfiguration(), ComputationGraphConfiguration.fromJson(json));
        ComputationGraph back = ModelFiles.fromBytes(ModelFiles.toBytes(net, true), true);
        assertEquals(json, back.getConfiguration().toJson());
        assertInstanceOf(SparseCnnLossLayer.class, back.getLayer(Parts.HEAD + "out").conf().getLayer());
        assertEquals(net.params(), back.params());
        assertEquals(net.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
        assertEquals(net.score(ds, false), back.score(ds, false), 1e-9);
    }

    /** {@code net} with DL4J's CnnLossLayer + one-hot MCXENT as its head (the head before class indices), same parameters. */
    static ComputationGraph withOneHotHead(ComputationGraph net) {
        ComputationGraphConfiguration conf = net.getConfiguration().clone();
        LayerVertex head = (LayerVertex) conf.getVertices().get(Parts.HEAD + "out");
        CnnLossLayer mcxent = new CnnLossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                .build();
        mcxent.setLayerName(Parts.HEAD + "out");
        head.getLayerConf().setLayer(mcxent);
        ComputationGraph twin = new ComputationGraph(conf);
        twin.init(net.params().dup(), false);
        return twin;
    }

    private static double scoreAndGradient(ComputationGraph net, INDArray[] features, INDArray labels, INDArray mask) {
        net.setInputs(features);
        net.setLabels(labels);
        net.setLayerMaskArrays(null, new INDArray[]{mask});
        net.computeGradientAndScore();
        net.clearLayerMaskArrays();
        return net.score();
    }

    /** Float one-hot [mb, C, h, w] of class indices [mb, 1, h, w] (what the old examples carried, as numbers). */
    private static INDArray oneHot(INDArray indices) {
        long[] s = indices.shape();
        INDArray y = Nd4j.zeros(DataType.FLOAT, s[0], CLASSES, s[2], s[3]);
        for (long b = 0; b < s[0]; b++) {
            for (long i = 0; i < s[2]; i++) {
                for (long j = 0; j < s[3]; j++) {
                    y.putScalar(new long[]{b, indices.getInt((int) b, 0, (int) i, (int) j), i, j}, 1f);
                }
            }
        }
        return y;
    }

    /** {@code n} examples of random images and labels, every fourth pixel ignore. */
    private static MultiDataSet batch(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<MultiDataSet> rows = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            float[] img = new float[3 * SIDE * SIDE];
            for (int i = 0; i < img.length; i++) {
                img[i] = (float) rnd.nextDouble(-1, 1);
            }
            int[] mask = new int[SIDE * SIDE];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = (i + b) % 4 == 0 ? ShardSchema.IGNORE : rnd.nextInt(CLASSES);
            }
            rows.add(Examples.segmentation(new Augment.Sample(img, SIDE, SIDE, mask), CLASSES).toMultiDataSet());
        }
        return org.nd4j.linalg.dataset.MultiDataSet.merge(rows);
    }
}
