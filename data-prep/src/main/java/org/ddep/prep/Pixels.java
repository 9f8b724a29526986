package org.ddep.prep;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * Decoded 8-bit RGB pixels, row-major and interleaved ({@code r, g, b} per pixel): what every
 * decoder in ddep hands on, already in RGB order whatever the codec's own order was.
 */
public record Pixels(int height, int width, byte[] rgb) {
    public Pixels {
        if (rgb.length != 3 * height * width) {
            throw new IllegalArgumentException("expected " + 3 * height * width + " bytes for " + height + "x" + width
                    + " RGB, got " + rgb.length);
        }
    }

    /** The pixel at (y, x) as {@code 0xRRGGBB}. */
    public int rgbAt(int y, int x) {
        int i = 3 * (y * width + x);
        return (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | rgb[i + 2] & 0xff;
    }

    /** The same pixels as a Java image (for drawing and for ImageIO). */
    public BufferedImage toImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        return img;
    }

    /**
     * The RGB of a Java image as {@link BufferedImage#getRGB} reads it (grey through Java's
     * grey-to-sRGB curve). Interleaved byte images (what javax.imageio gives for 8-bit RGB and
     * RGBA) are copied a row at a time from their raster: getRGB, a colour-model call per pixel,
     * cost more than decoding the image.
     */
    public static Pixels of(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        byte[] out = new byte[3 * h * w];
        int type = img.getType();
        if (type == BufferedImage.TYPE_3BYTE_BGR || type == BufferedImage.TYPE_4BYTE_ABGR) {
            // sRGB bytes, not premultiplied: a row of data elements is R, G, B (, A) per pixel, as getRGB gives them
            int bands = type == BufferedImage.TYPE_3BYTE_BGR ? 3 : 4;
            byte[] row = new byte[bands * w];
            for (int y = 0; y < h; y++) {
                img.getRaster().getDataElements(0, y, w, 1, row);
                if (bands == 3) {
                    System.arraycopy(row, 0, out, 3 * y * w, 3 * w);
                } else {
                    for (int x = 0, i = 3 * y * w; x < w; x++, i += 3) {
                        out[i] = row[4 * x];
                        out[i + 1] = row[4 * x + 1];
                        out[i + 2] = row[4 * x + 2];
                    }
                }
            }
            return new Pixels(h, w, out);
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0, i = 3 * y * w; x < w; x++, i += 3) {
                out[i] = (byte) (row[x] >> 16);
                out[i + 1] = (byte) (row[x] >> 8);
                out[i + 2] = (byte) row[x];
            }
        }
        return new Pixels(h, w, out);
    }
}
