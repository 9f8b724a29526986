package org.ddep.prep;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Encoded image and mask bytes to pixels and back, in pure Java (no native codec on executors). */
public final class ImageCodec {
    static {
        ImageIO.setUseCache(false);
    }

    private ImageCodec() {
    }

    /** Decodes an encoded image, or throws {@link IOException} naming what is wrong with it. */
    public static BufferedImage decode(byte[] bytes) throws IOException {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (RuntimeException e) {
            throw new IOException("undecodable image: " + e, e);
        }
        if (img == null) {
            throw new IOException("not a readable image format (" + bytes.length + " bytes)");
        }
        return img;
    }

    /** Pixel values of a single-channel (grey or palette) mask, row-major, 0..255. */
    public static Mask decodeMask(byte[] bytes) throws IOException {
        BufferedImage img = decode(bytes);
        Raster r = img.getRaster();
        if (r.getNumBands() != 1) {
            throw new IOException("mask must have one channel (grey or palette), found " + r.getNumBands());
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int[] v = r.getSamples(0, 0, w, h, 0, new int[w * h]);
        return new Mask(h, w, v);
    }

    /** A mask of train ids as an 8-bit grey PNG. */
    public static byte[] encodeMask(Mask m) {
        BufferedImage img = new BufferedImage(m.width(), m.height(), BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = img.getRaster();
        r.setSamples(0, 0, m.width(), m.height(), 0, m.values());
        return encodePng(img);
    }

    public static byte[] encodePng(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer in this JVM");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A row-major mask of {@code height * width} values. */
    public record Mask(int height, int width, int[] values) {
        public int at(int y, int x) {
            return values[y * width + x];
        }
    }
}
