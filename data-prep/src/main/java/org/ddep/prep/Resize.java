package org.ddep.prep;

import java.io.Serializable;

/**
 * Optional downscaling at prep, keeping the aspect ratio, to cut storage (ImageNet is usually kept
 * at 256 pixels on the short side). {@code maxSide}: the longer side at most this; {@code shortSide}:
 * the shorter side at most this; 0 turns a bound off. Images are never enlarged. Masks, when
 * resized with their image, use nearest neighbour so that train ids stay train ids.
 */
public record Resize(int maxSide, int shortSide) implements Serializable {
    public static final Resize NONE = new Resize(0, 0);

    public Resize {
        if (maxSide < 0 || shortSide < 0) {
            throw new IllegalArgumentException("resize bounds must be >= 0 (0 = off), got max-side " + maxSide
                    + ", short-side " + shortSide);
        }
    }

    /** The target size for an image of {@code h x w}, or the same size when no bound applies. */
    public int[] target(int h, int w) {
        double k = 1;
        if (maxSide > 0 && Math.max(h, w) > maxSide) {
            k = Math.min(k, maxSide / (double) Math.max(h, w));
        }
        if (shortSide > 0 && Math.min(h, w) > shortSide) {
            k = Math.min(k, shortSide / (double) Math.min(h, w));
        }
        return k >= 1 ? new int[]{h, w} : new int[]{Math.max(1, (int) Math.round(h * k)), Math.max(1, (int) Math.round(w * k))};
    }

    /** Area-averaged when shrinking (OpenCV's INTER_AREA: no aliasing, unlike plain bilinear sampling). */
    public static Pixels image(Pixels src, int h, int w) {
        return NativeCodec.resize(src, h, w);
    }

    public static ImageCodec.Mask mask(ImageCodec.Mask m, int h, int w) {
        int[] v = new int[h * w];
        for (int y = 0; y < h; y++) {
            int sy = Math.min(m.height() - 1, (int) ((y + 0.5) * m.height() / h));
            for (int x = 0; x < w; x++) {
                v[y * w + x] = m.at(sy, Math.min(m.width() - 1, (int) ((x + 0.5) * m.width() / w)));
            }
        }
        return new ImageCodec.Mask(h, w, v);
    }

    public String describe() {
        if (this.equals(NONE)) {
            return "none";
        }
        return (maxSide > 0 ? "longer side <= " + maxSide : "") + (maxSide > 0 && shortSide > 0 ? ", " : "")
                + (shortSide > 0 ? "shorter side <= " + shortSide : "")
                + " (aspect kept, area-averaged; masks nearest; resized images re-encoded, JPEG q90 / PNG)";
    }
}
