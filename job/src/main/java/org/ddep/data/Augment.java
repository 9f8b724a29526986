package org.ddep.data;

import org.ddep.prep.Pixels;
import org.ddep.prep.ShardSchema;

import java.util.SplittableRandom;

/**
 * Crops, flips and resizes of a CHW image with its optional mask, in step (PAPER.md "Fine-tuning":
 * random crop and random left-right flip). Images smaller than the crop are padded: the image
 * with 0 (mid-grey in [-1, 1]), the mask with ignore.
 */
public final class Augment {
    private Augment() {
    }

    /** An image with an optional row-major mask of the same size (null when unlabelled). */
    public record Sample(float[] chw, int height, int width, int[] mask) {
    }

    public static Sample randomCrop(Sample s, int size, SplittableRandom rnd) {
        int[] at = randomWindow(s.height(), s.width(), size, rnd);
        return crop(s, at[0], at[1], size, size);
    }

    /** The top-left corner {y0, x0} of a random crop of {@code size} from {@code h x w}: the draws randomCrop makes. */
    static int[] randomWindow(int h, int w, int size, SplittableRandom rnd) {
        int y0 = h > size ? rnd.nextInt(h - size + 1) : 0;
        int x0 = w > size ? rnd.nextInt(w - size + 1) : 0;
        return new int[]{y0, x0};
    }

    /**
     * {@link #randomCrop} then an optional {@link #flip} of decoded pixels, converting only the crop's
     * pixels to floats: the same draws and the same values as cropping the converted image, at a
     * fraction of the cost when the crop is much smaller than the image.
     */
    static Sample randomCropFlip(Pixels p, int[] mask, int size, boolean flip, SplittableRandom rnd) {
        int[] at = randomWindow(p.height(), p.width(), size, rnd);
        boolean mirror = flip && rnd.nextBoolean();
        float[] chw = ImageTensors.window(p, at[0], at[1], size, size, mirror);
        return new Sample(chw, size, size, mask == null ? null : maskWindow(mask, p.height(), p.width(), at, size, mirror));
    }

    private static int[] maskWindow(int[] mask, int mh, int mw, int[] at, int size, boolean mirror) {
        int[] out = new int[size * size];
        java.util.Arrays.fill(out, ShardSchema.IGNORE);
        int n = Math.min(size, mw - at[1]);
        for (int y = 0; y < size && at[0] + y < mh; y++) {
            int from = (at[0] + y) * mw + at[1];
            int row = y * size;
            for (int x = 0; x < n; x++) {
                out[row + (mirror ? size - 1 - x : x)] = mask[from + x];
            }
        }
        return out;
    }

    public static Sample centreCrop(Sample s, int size) {
        return crop(s, Math.max(0, (s.height() - size) / 2), Math.max(0, (s.width() - size) / 2), size, size);
    }

    /** The window at (y0, x0) of the given size; parts outside the image are padding. */
    public static Sample crop(Sample s, int y0, int x0, int h, int w) {
        float[] out = new float[3 * h * w];
        int[] mask = s.mask() == null ? null : new int[h * w];
        if (mask != null) {
            java.util.Arrays.fill(mask, ShardSchema.IGNORE);
        }
        int inPlane = s.height() * s.width();
        for (int y = 0; y < h; y++) {
            int sy = y0 + y;
            if (sy >= s.height()) {
                break;
            }
            int n = Math.min(w, s.width() - x0);
            for (int c = 0; c < 3; c++) {
                System.arraycopy(s.chw(), c * inPlane + sy * s.width() + x0, out, c * h * w + y * w, n);
            }
            if (mask != null) {
                System.arraycopy(s.mask(), sy * s.width() + x0, mask, y * w, n);
            }
        }
        return new Sample(out, h, w, mask);
    }

    public static Sample flip(Sample s) {
        int h = s.height();
        int w = s.width();
        float[] out = new float[s.chw().length];
        int[] mask = s.mask() == null ? null : new int[s.mask().length];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                int row = c * h * w + y * w;
                for (int x = 0; x < w; x++) {
                    out[row + x] = s.chw()[row + w - 1 - x];
                }
            }
        }
        if (mask != null) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    mask[y * w + x] = s.mask()[y * w + w - 1 - x];
                }
            }
        }
        return new Sample(out, h, w, mask);
    }

    /** Bilinear resize of the image (nearest for the mask). */
    public static Sample resize(Sample s, int h, int w) {
        if (h == s.height() && w == s.width()) {
            return s;
        }
        float[] out = new float[3 * h * w];
        int[] mask = s.mask() == null ? null : new int[h * w];
        int ih = s.height();
        int iw = s.width();
        BilinearAxis ys = BilinearAxis.of(ih, h);
        BilinearAxis xs = BilinearAxis.of(iw, w);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    out[c * h * w + y * w + x] = (float) ys.sample(xs, s.chw(), c * ih * iw, iw, y, x);
                }
                if (mask != null) {
                    int ny = Math.min(ih - 1, (int) ((y + 0.5) * ih / h));
                    int nx = Math.min(iw - 1, (int) ((x + 0.5) * iw / w));
                    mask[y * w + x] = s.mask()[ny * iw + nx];
                }
            }
        }
        return new Sample(out, h, w, mask);
    }

    /** {@link #trainingView} of decoded pixels, converting only the crop when no resize is needed. */
    static Sample trainingView(Pixels p, int size, boolean flip, SplittableRandom rnd) {
        if (Math.min(p.height(), p.width()) < size) {
            ImageTensors.Image img = ImageTensors.fromPixels(p);
            return trainingView(new Sample(img.chw(), img.height(), img.width(), null), size, flip, rnd);
        }
        return randomCropFlip(p, null, size, flip, rnd);
    }

    /** Training view for pretraining: shorter side resized to {@code size} if smaller, random crop, optional flip. */
    public static Sample trainingView(Sample s, int size, boolean flip, SplittableRandom rnd) {
        Sample r = s;
        int shorter = Math.min(s.height(), s.width());
        if (shorter < size) {
            double k = size / (double) shorter;
            r = resize(s, (int) Math.ceil(s.height() * k), (int) Math.ceil(s.width() * k));
        }
        r = randomCrop(r, size, rnd);
        return flip && rnd.nextBoolean() ? flip(r) : r;
    }
}
