package org.ddep.eval;

import org.ddep.config.EvalSettings;
import org.ddep.data.Augment;
import org.ddep.testing.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmenterTest {
    private static final int CLASSES = 4;

    static Augment.Sample image(int h, int w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] chw = new float[3 * h * w];
        for (int i = 0; i < chw.length; i++) {
            chw[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return new Augment.Sample(chw, h, w, null);
    }

    static EvalSettings.Protocol protocol(boolean flip, List<Double> scales, boolean slide, int window, int stride) {
        return new EvalSettings.Protocol(flip, scales, slide, window, stride, 3);
    }

    static double maxDiff(float[][] a, float[][] b) {
        double d = 0;
        for (int c = 0; c < a.length; c++) {
            assertEquals(a[c].length, b[c].length);
            for (int i = 0; i < a[c].length; i++) {
                d = Math.max(d, Math.abs(a[c][i] - b[c][i]));
            }
        }
        return d;
    }

    @Test
    void flipAveragingOfAFlipEquivariantModelEqualsThePlainPrediction() {
        Augment.Sample s = image(12, 20, 1);
        var symmetric = TinyModels.threeByThree(CLASSES, true, 7);
        float[][] plain = new Segmenter(symmetric, 1, Segmenter.flipOnly(false)).probabilities(s);
        float[][] flipped = new Segmenter(symmetric, 1, Segmenter.flipOnly(true)).probabilities(s);
        assertTrue(maxDiff(plain, flipped) < 1e-5, "max difference " + maxDiff(plain, flipped));
        // The same network with its kernels not mirror-symmetric: flip averaging must change the output,
        // or the test above would pass without the flipped view being used at all.
        var asymmetric = TinyModels.threeByThree(CLASSES, false, 7);
        double d = maxDiff(new Segmenter(asymmetric, 1, Segmenter.flipOnly(false)).probabilities(s),
                new Segmenter(asymmetric, 1, Segmenter.flipOnly(true)).probabilities(s));
        assertTrue(d > 1e-3, "flip averaging had no effect on an asymmetric model: " + d);
    }

    @ParameterizedTest
    @ValueSource(ints = {20, 40, 9})
    void multiScaleOutputHasTheLabelsSize(int imageHeight) {
        Augment.Sample s = image(imageHeight, imageHeight * 7 / 5, 2);
        var seg = new Segmenter(TinyModels.threeByThree(CLASSES, false, 3), 4,
                protocol(true, EvalSettings.PAPER_MULTI_SCALE, true, 16, 10));
        float[][] p = seg.probabilities(s, 20, 28);
        assertEquals(CLASSES, p.length);
        for (float[] plane : p) {
            assertEquals(20 * 28, plane.length);
        }
        for (int i = 0; i < 20 * 28; i++) {
            float sum = 0;
            for (float[] plane : p) {
                sum += plane[i];
            }
            assertEquals(1f, sum, 1e-4, "probabilities at pixel " + i + " do not sum to 1");
        }
        assertEquals(20 * 28, seg.predict(s, 20, 28).length);
    }

    @Test
    void slidingWindowsOfAPointwiseModelReproduceTheWholeImage() {
        Augment.Sample s = image(24, 48, 3);
        var net = TinyModels.pointwise(CLASSES, 5);
        float[][] whole = new Segmenter(net, 1, protocol(false, List.of(1.0), false, 0, 0)).probabilities(s);
        float[][] windows = new Segmenter(net, 8, protocol(false, List.of(1.0), true, 16, 10)).probabilities(s);
        assertTrue(maxDiff(whole, windows) < 1e-6, "windows differ from the whole image: " + maxDiff(whole, windows));
        // Window = height and stride = window: the two halves of a 1:2 image, as Cityscapes is evaluated.
        float[][] halves = new Segmenter(net, 8, protocol(false, List.of(1.0), true, 24, 24)).probabilities(s);
        assertTrue(maxDiff(whole, halves) < 1e-6);
    }

    @Test
    void windowsStartEveryStrideAndTheLastIsFlushWithTheEdge() {
        assertArrayEquals(new int[]{0, 1024}, SlidingWindow.starts(2048, 1024, 1024));   // Cityscapes halves
        assertArrayEquals(new int[]{0}, SlidingWindow.starts(1024, 1024, 1024));
        assertArrayEquals(new int[]{0, 10, 20, 24}, SlidingWindow.starts(40, 16, 10));
        assertArrayEquals(new int[]{0}, SlidingWindow.starts(9, 16, 10));
        assertArrayEquals(new int[]{0, 341, 512}, SlidingWindow.starts(1024, 512, 341));
    }

    @Test
    void thePapersProtocolDependsOnTheDataset() {
        EvalSettings paper = new EvalSettings(true, 8, List.of(), true, 0, 0);
        var cityscapes = paper.forLayout("cityscapes", 1024);
        assertEquals(List.of(1.0), cityscapes.scales());
        assertEquals(1024, cityscapes.window());
        assertEquals(1024, cityscapes.stride());
        var ade = paper.forLayout("ade20k", 512);
        assertEquals(EvalSettings.PAPER_MULTI_SCALE, ade.scales());
        assertEquals(341, ade.stride());
        assertEquals(EvalSettings.PAPER_MULTI_SCALE, paper.forLayout("pascal-context", 512).scales());
        assertEquals(List.of(1.0), paper.forLayout("folder-pairs", 48).scales());
        var custom = new EvalSettings(false, 8, List.of(1.0, 2.0), false, 64, 32).forLayout("ade20k", 512);
        assertEquals(List.of(1.0, 2.0), custom.scales());
        assertEquals(64, custom.window());
        assertEquals(32, custom.stride());
    }
}
