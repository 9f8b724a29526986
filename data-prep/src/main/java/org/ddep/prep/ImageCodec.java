package org.ddep.prep;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Encoded image and mask bytes to pixels and back, in pure Java (no native codec on executors). */
public final class ImageCodec {
    static {
        ImageIO.setUseCache(false);
    }

    private ImageCodec() {
    }

    /**
     * Decodes an encoded image, or throws {@link IOException} naming what is wrong with it. A decoder
     * warning (e.g. "premature end of data" of a truncated JPEG, which still yields a picture) counts
     * as damage: the picture would be partly grey.
     */
    public static BufferedImage decode(byte[] bytes) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("not a readable image format (" + bytes.length + " bytes)");
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            try {
                reader.setInput(in, true, true);
                BufferedImage img = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new IOException("damaged image: " + warnings.get(0));
                }
                return img;
            } catch (RuntimeException e) {
                throw new IOException("undecodable image: " + e, e);
            } finally {
                reader.dispose();
            }
        }
    }

    /** Whether the bytes are a JPEG (SOI marker), to re-encode a resized image in its own format. */
    public static boolean isJpeg(byte[] bytes) {
        return bytes.length > 2 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8;
    }

    /** JPEG at quality 0.9, as RGB. */
    public static byte[] encodeJpeg(BufferedImage img) {
        BufferedImage rgb = img;
        if (img.getType() != BufferedImage.TYPE_INT_RGB && img.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
            rgb.getGraphics().drawImage(img, 0, 0, null);
        }
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream out = new ByteArrayOutputStream();
             ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.9f);
            w.setOutput(ios);
            w.write(null, new IIOImage(rgb, null, null), p);
            ios.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            w.dispose();
        }
    }

    /** Pixel values of a single-channel (grey or palette) mask, row-major, 0..255. */
    public static Mask decodeMask(byte[] bytes) throws IOException {
        BufferedImage img = decode(bytes);
        Raster r = img.getRaster();
        if (r.getNumBands() != 1) {
            throw new NotAMaskException("a mask has one channel of train ids (grey or palette PNG), this one has "
                    + r.getNumBands());
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

    /** A readable image that is not a single-channel mask (e.g. a colour rendering of the labels). */
    public static final class NotAMaskException extends IOException {
        NotAMaskException(String message) {
            super(message);
        }
    }

    /** A row-major mask of {@code height * width} values. */
    public record Mask(int height, int width, int[] values) {
        public int at(int y, int x) {
            return values[y * width + x];
        }
    }
}
