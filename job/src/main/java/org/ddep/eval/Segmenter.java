package org.ddep.eval;

import org.ddep.data.Augment;
import org.ddep.data.Examples;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-pixel class probabilities from a segmentation model at the image's own resolution: the input
 * is padded to the model's divisor and the output cropped back; with flip TTA the probabilities of
 * the image and of its mirror (mirrored back) are averaged (PAPER.md "Evaluation").
 */
public final class Segmenter {
    private final ComputationGraph net;
    private final int divisor;
    private final boolean flip;

    public Segmenter(ComputationGraph net, int divisor, boolean flip) {
        this.net = net;
        this.divisor = divisor;
        this.flip = flip;
    }

    /** Probabilities as [classes][h * w]. */
    public float[][] probabilities(Augment.Sample s) {
        float[][] p = forward(s);
        if (flip) {
            float[][] q = forward(Augment.flip(s));
            int h = s.height();
            int w = s.width();
            for (int c = 0; c < p.length; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        p[c][y * w + x] = (p[c][y * w + x] + q[c][y * w + w - 1 - x]) / 2f;
                    }
                }
            }
        }
        return p;
    }

    public int[] predict(Augment.Sample s) {
        return argmax(probabilities(s));
    }

    public static int[] argmax(float[][] p) {
        int n = p[0].length;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int c = 1; c < p.length; c++) {
                if (p[c][i] > p[best][i]) {
                    best = c;
                }
            }
            out[i] = best;
        }
        return out;
    }

    private float[][] forward(Augment.Sample s) {
        int h = s.height();
        int w = s.width();
        int ph = (h + divisor - 1) / divisor * divisor;
        int pw = (w + divisor - 1) / divisor * divisor;
        Augment.Sample padded = ph == h && pw == w ? s : Augment.crop(s, 0, 0, ph, pw);
        INDArray out = net.outputSingle(false, Examples.image(padded.chw(), ph, pw));
        int classes = (int) out.size(1);
        float[] all = out.dup('c').data().asFloat();
        float[][] p = new float[classes][h * w];
        for (int c = 0; c < classes; c++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(all, c * ph * pw + y * pw, p[c], y * w, w);
            }
        }
        return p;
    }
}
