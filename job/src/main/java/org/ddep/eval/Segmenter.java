package org.ddep.eval;

import org.ddep.data.BilinearAxis;

import org.ddep.config.EvalSettings;
import org.ddep.data.Augment;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-pixel class probabilities from a segmentation model, with the paper's test-time augmentation
 * (PAPER.md "Evaluation"): for every scale the image is resized, predicted as it is and mirrored
 * (mirrored back), window by window when it is larger than the window, and the probabilities of all
 * views, each resized to the label's size, are averaged. An input smaller than a window is padded to
 * the model's stride and the output cropped back.
 */
public final class Segmenter {
    private final ComputationGraph net;
    private final int divisor;
    private final EvalSettings.Protocol tta;

    public Segmenter(ComputationGraph net, int divisor, EvalSettings.Protocol tta) {
        if (tta.slidingWindow() && tta.window() % divisor != 0) {
            throw new IllegalArgumentException("window " + tta.window() + " is not a multiple of the model's stride "
                    + divisor);
        }
        this.net = net;
        this.divisor = divisor;
        this.tta = tta;
    }

    /** Flip averaging (or none) at the image's own size, the whole image in one pass. */
    public static EvalSettings.Protocol flipOnly(boolean flip) {
        return new EvalSettings.Protocol(flip, List.of(1.0), false, 0, 0, 1);
    }

    /** Probabilities as [classes][h * w] at the image's size. */
    public float[][] probabilities(Augment.Sample s) {
        return probabilities(s, s.height(), s.width());
    }

    /** Probabilities as [classes][outH * outW]: every view's output is resized to (outH, outW), the label's size. */
    public float[][] probabilities(Augment.Sample s, int outH, int outW) {
        Augment.Sample image = new Augment.Sample(s.chw(), s.height(), s.width(), null);
        float[][] sum = null;
        int views = 0;
        for (double scale : tta.scales()) {
            int h = Math.max(1, (int) Math.round(s.height() * scale));
            int w = Math.max(1, (int) Math.round(s.width() * scale));
            Augment.Sample scaled = Augment.resize(image, h, w);
            List<float[][]> outs = new ArrayList<>();
            outs.add(forward(scaled));
            if (tta.flip()) {
                outs.add(mirror(forward(Augment.flip(scaled)), h, w));
            }
            for (float[][] p : outs) {
                float[][] r = resize(p, h, w, outH, outW);
                if (sum == null) {
                    sum = r;
                } else {
                    for (int c = 0; c < sum.length; c++) {
                        float[] a = sum[c];
                        float[] b = r[c];
                        for (int i = 0; i < a.length; i++) {
                            a[i] += b[i];
                        }
                    }
                }
                views++;
            }
        }
        float k = 1f / views;
        for (float[] plane : sum) {
            for (int i = 0; i < plane.length; i++) {
                plane[i] *= k;
            }
        }
        return sum;
    }

    public int[] predict(Augment.Sample s) {
        return argmax(probabilities(s));
    }

    /** Train ids at (outH, outW). */
    public int[] predict(Augment.Sample s, int outH, int outW) {
        return argmax(probabilities(s, outH, outW));
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

    /** One view: whole (padded to the stride) when it fits a window, else window by window. */
    private float[][] forward(Augment.Sample s) {
        int h = s.height();
        int w = s.width();
        boolean slide = tta.slidingWindow() && (h > tta.window() || w > tta.window());
        int wh = slide ? Math.min(tta.window(), roundUp(h)) : roundUp(h);
        int ww = slide ? Math.min(tta.window(), roundUp(w)) : roundUp(w);
        int[] ys = slide ? SlidingWindow.starts(h, wh, Math.min(tta.stride(), wh)) : new int[]{0};
        int[] xs = slide ? SlidingWindow.starts(w, ww, Math.min(tta.stride(), ww)) : new int[]{0};
        List<int[]> windows = new ArrayList<>();
        for (int y : ys) {
            for (int x : xs) {
                windows.add(new int[]{y, x});
            }
        }
        float[][] acc = null;
        float[] hits = new float[h * w];
        int batch = Math.max(1, tta.batchSize());
        for (int from = 0; from < windows.size(); from += batch) {
            List<int[]> part = windows.subList(from, Math.min(windows.size(), from + batch));
            float[] in = new float[part.size() * 3 * wh * ww];
            for (int i = 0; i < part.size(); i++) {
                float[] crop = Augment.crop(s, part.get(i)[0], part.get(i)[1], wh, ww).chw();
                System.arraycopy(crop, 0, in, i * crop.length, crop.length);
            }
            INDArray out = net.outputSingle(false, Nd4j.create(in, new long[]{part.size(), 3, wh, ww}, 'c'));
            int classes = (int) out.size(1);
            float[] all = out.dup('c').data().asFloat();
            if (acc == null) {
                acc = new float[classes][h * w];
            }
            for (int i = 0; i < part.size(); i++) {
                int y0 = part.get(i)[0];
                int x0 = part.get(i)[1];
                int rows = Math.min(wh, h - y0);
                int cols = Math.min(ww, w - x0);
                for (int c = 0; c < classes; c++) {
                    int base = (i * classes + c) * wh * ww;
                    float[] plane = acc[c];
                    for (int y = 0; y < rows; y++) {
                        int src = base + y * ww;
                        int dst = (y0 + y) * w + x0;
                        for (int x = 0; x < cols; x++) {
                            plane[dst + x] += all[src + x];
                        }
                    }
                }
                for (int y = 0; y < rows; y++) {
                    for (int x = 0; x < cols; x++) {
                        hits[(y0 + y) * w + x0 + x]++;
                    }
                }
            }
        }
        for (float[] plane : acc) {
            for (int i = 0; i < plane.length; i++) {
                plane[i] /= hits[i];
            }
        }
        return acc;
    }

    private int roundUp(int side) {
        return (side + divisor - 1) / divisor * divisor;
    }

    private static float[][] mirror(float[][] p, int h, int w) {
        float[][] out = new float[p.length][h * w];
        for (int c = 0; c < p.length; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[c][y * w + x] = p[c][y * w + w - 1 - x];
                }
            }
        }
        return out;
    }

    /** Bilinear resize of probability planes, with pixel centres aligned as in {@link Augment#resize}. */
    static float[][] resize(float[][] p, int ih, int iw, int oh, int ow) {
        if (ih == oh && iw == ow) {
            return p;
        }
        float[][] out = new float[p.length][oh * ow];
        BilinearAxis ys = BilinearAxis.of(ih, oh);
        BilinearAxis xs = BilinearAxis.of(iw, ow);
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                for (int c = 0; c < p.length; c++) {
                    out[c][y * ow + x] = (float) ys.sample(xs, p[c], 0, iw, y, x);
                }
            }
        }
        return out;
    }
}
