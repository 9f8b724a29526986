package org.ddep.data;

import org.ddep.prep.ImageCodec;
import org.ddep.prep.Pixels;

import java.awt.image.BufferedImage;
import java.io.IOException;

/**
 * The one place where pixels become network inputs: RGB, channel-first, scaled from 0..255 to
 * [-1, 1] (PAPER.md "Denoising objective"), and back for pictures.
 */
public final class ImageTensors {
    private ImageTensors() {
    }

    /** 0..255 to [-1, 1], one table lookup per value. */
    private static final float[] SCALED = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            SCALED[v] = v / 127.5f - 1f;
        }
    }

    public static Image decode(byte[] encoded) throws IOException {
        return fromPixels(ImageCodec.decodeRgb(encoded));
    }

    public static Image fromPixels(Pixels p) {
        int plane = p.height() * p.width();
        byte[] rgb = p.rgb();
        float[] chw = new float[3 * plane];
        for (int i = 0, j = 0; i < plane; i++, j += 3) {
            chw[i] = SCALED[rgb[j] & 0xff];
            chw[plane + i] = SCALED[rgb[j + 1] & 0xff];
            chw[2 * plane + i] = SCALED[rgb[j + 2] & 0xff];
        }
        return new Image(chw, p.height(), p.width());
    }

    /**
     * The window at (y0, x0) of {@code h x w} as CHW floats, mirrored left-right when asked; parts
     * outside the image are 0 (mid-grey), as {@link Augment#crop} pads.
     */
    static float[] window(Pixels p, int y0, int x0, int h, int w, boolean mirror) {
        int plane = h * w;
        float[] chw = new float[3 * plane];
        byte[] rgb = p.rgb();
        int n = Math.min(w, p.width() - x0);
        for (int y = 0; y < h && y0 + y < p.height(); y++) {
            int from = 3 * ((y0 + y) * p.width() + x0);
            int row = y * w;
            for (int x = 0; x < n; x++) {
                int i = row + (mirror ? w - 1 - x : x);
                int j = from + 3 * x;
                chw[i] = SCALED[rgb[j] & 0xff];
                chw[plane + i] = SCALED[rgb[j + 1] & 0xff];
                chw[2 * plane + i] = SCALED[rgb[j + 2] & 0xff];
            }
        }
        return chw;
    }

    public static Image fromImage(BufferedImage img) {
        return fromPixels(Pixels.of(img));
    }

    public static BufferedImage toImage(float[] chw, int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        int[] argb = new int[plane];
        for (int i = 0; i < plane; i++) {
            argb[i] = byteOf(chw[i]) << 16 | byteOf(chw[plane + i]) << 8 | byteOf(chw[2 * plane + i]);
        }
        img.setRGB(0, 0, w, h, argb, 0, w);
        return img;
    }

    private static int byteOf(float v) {
        return Math.max(0, Math.min(255, Math.round((v + 1f) * 127.5f)));
    }

    /** A CHW float image of {@code 3 x h x w}. */
    public record Image(float[] chw, int height, int width) {
    }
}
