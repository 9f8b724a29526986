package org.ddep.data;

import org.ddep.prep.ImageCodec;

import java.awt.image.BufferedImage;
import java.io.IOException;

/**
 * The one place where pixels become network inputs: RGB, channel-first, scaled from 0..255 to
 * [-1, 1] (PAPER.md "Denoising objective"), and back for pictures.
 */
public final class ImageTensors {
    private ImageTensors() {
    }

    public static Image decode(byte[] encoded) throws IOException {
        return fromImage(ImageCodec.decode(encoded));
    }

    public static Image fromImage(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] chw = new float[3 * h * w];
        int plane = h * w;
        for (int i = 0; i < plane; i++) {
            int p = argb[i];
            chw[i] = ((p >> 16) & 0xff) / 127.5f - 1f;
            chw[plane + i] = ((p >> 8) & 0xff) / 127.5f - 1f;
            chw[2 * plane + i] = (p & 0xff) / 127.5f - 1f;
        }
        return new Image(chw, h, w);
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
