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
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * Encoded image and mask bytes to pixels and back. Training decodes files prep accepted with OpenCV
 * (libjpeg-turbo, libpng: {@link NativeCodec}), except 8-bit grey and RGB PNGs, which the JDK's zlib
 * decodes several times faster ({@link PngDecoder}). Prep, which must find damage, decodes JPEG with
 * leptonica's libjpeg-turbo ({@link LeptonicaJpeg}, which fails on any libjpeg warning) and encodes
 * resized images as JPEG with it (SIMD, which OpenCV's build lacks) or as PNG with OpenCV.
 * javax.imageio stays the judge of every file the native decoders are not trusted with: an
 * incomplete or damaged file (OpenCV would decode the readable part and fill the rest without a
 * word), anything they reject, PNG at prep, CMYK JPEG, and PNGs whose values OpenCV would change
 * (palette masks, bit depths other than 8). So damaged files are reported as before, and pixels are
 * those javax.imageio gives, exactly for PNG, within IDCT rounding for JPEG.
 * Shards prepped with {@code pixels = raw} hold {@link RawPixels}, which every decode here passes
 * through unchanged.
 */
public final class ImageCodec {
    static {
        ImageIO.setUseCache(false);
    }

    /** javax.imageio reads grey through Java's grey-to-sRGB curve (128 becomes 188): kept, so pixels do not change. */
    private static final byte[] GREY_TO_RGB = greyToRgb();

    private ImageCodec() {
    }

    /**
     * Decodes an encoded image to RGB, or throws {@link IOException} naming what is wrong with it.
     * A decoder warning (e.g. "premature end of data" of a truncated JPEG, which still yields a
     * picture) counts as damage: the picture would be partly grey.
     */
    public static Pixels decodeRgb(byte[] bytes) throws IOException {
        if (RawPixels.is(bytes)) {
            return RawPixels.pixels(bytes);
        }
        Optional<NativeCodec.Decoded> d = ImageHeaders.nativeImage(bytes) ? nativeDecode(bytes) : Optional.empty();
        if (d.isEmpty()) {
            return Pixels.of(decodeWithImageIo(bytes));
        }
        return rgb(d.get());
    }

    /** An 8-bit grey or RGB PNG with the JDK's zlib ({@link PngDecoder}), anything else it declines with OpenCV. */
    private static Optional<NativeCodec.Decoded> nativeDecode(byte[] bytes) {
        Optional<NativeCodec.Decoded> d = PngDecoder.decode(bytes);
        return d.isPresent() ? d : NativeCodec.decode(bytes);
    }

    /** Decoded 8-bit pixels as RGB; grey through javax.imageio's grey-to-sRGB curve. */
    private static Pixels rgb(NativeCodec.Decoded px) {
        if (px.channels() == 3) {
            return new Pixels(px.height(), px.width(), px.data());
        }
        byte[] grey = px.data();
        byte[] rgb = new byte[3 * grey.length];
        for (int i = 0; i < grey.length; i++) {
            byte v = GREY_TO_RGB[grey[i] & 0xff];
            rgb[3 * i] = v;
            rgb[3 * i + 1] = v;
            rgb[3 * i + 2] = v;
        }
        return new Pixels(px.height(), px.width(), rgb);
    }

    /**
     * Decodes a file that nothing has validated yet (prep), with decoders that report damage inside
     * a file too (libjpeg's warnings, e.g. a truncated JPEG that a tool closed with an end marker),
     * where OpenCV decodes what it can without a word: JPEG with leptonica ({@link LeptonicaJpeg},
     * which fails on any warning), and whatever leptonica does not accept, PNG and every other format
     * with javax.imageio, which gives the verdict and its reason. Shard rows are files prep accepted,
     * so training decodes them with {@link #decodeRgb}.
     */
    public static Pixels decodeChecked(byte[] bytes) throws IOException {
        if (RawPixels.is(bytes)) {
            return RawPixels.pixels(bytes);
        }
        if (isJpeg(bytes)) {
            Optional<NativeCodec.Decoded> d = LeptonicaJpeg.decode(bytes);
            if (d.isPresent()) {
                return rgb(d.get());
            }
        }
        return Pixels.of(decodeWithImageIo(bytes));
    }

    /** {@link #decodeRgb} as a Java image. */
    public static BufferedImage decode(byte[] bytes) throws IOException {
        return decodeRgb(bytes).toImage();
    }

    /** The reference decoder, and the judge of files OpenCV is not trusted with. */
    static BufferedImage decodeWithImageIo(byte[] bytes) throws IOException {
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

    /** JPEG at quality 90 (libjpeg's scale), the quality prep re-encodes resized images with (leptonica's SIMD libjpeg-turbo). */
    public static byte[] encodeJpeg(Pixels p) {
        return LeptonicaJpeg.encode(p, 90);
    }

    /** An 8-bit RGB PNG. */
    public static byte[] encodePng(Pixels p) {
        return NativeCodec.encodePng(p);
    }

    /** JPEG at quality 0.9, as RGB, with javax.imageio (pictures and generated data outside the data path). */
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

    /** Pixel values of a single-channel (grey or palette) mask, row-major: train ids (palette indices, not colours). */
    public static Mask decodeMask(byte[] bytes) throws IOException {
        if (RawPixels.is(bytes)) {
            return RawPixels.mask(bytes);
        }
        Optional<NativeCodec.Decoded> d = ImageHeaders.nativeMask(bytes) ? nativeDecode(bytes) : Optional.empty();
        if (d.isPresent() && d.get().channels() == 1) {
            NativeCodec.Decoded m = d.get();
            int[] v = new int[m.data().length];
            for (int i = 0; i < v.length; i++) {
                v[i] = m.data()[i] & 0xff;
            }
            return new Mask(m.height(), m.width(), v);
        }
        BufferedImage img = decodeWithImageIo(bytes);
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

    /** A mask of train ids (0..255) as an 8-bit grey PNG. */
    public static byte[] encodeMask(Mask m) {
        return NativeCodec.encodeGreyPng(m.height(), m.width(), m.bytes());
    }

    /** A PNG with javax.imageio (pictures and generated data outside the data path). */
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

    private static byte[] greyToRgb() {
        BufferedImage grey = new BufferedImage(256, 1, BufferedImage.TYPE_BYTE_GRAY);
        for (int v = 0; v < 256; v++) {
            grey.getRaster().setSample(v, 0, 0, v);
        }
        byte[] lut = new byte[256];
        for (int v = 0; v < 256; v++) {
            lut[v] = (byte) grey.getRGB(v, 0);
        }
        return lut;
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

        /** The train ids one byte each, or an exception naming the first value that does not fit 8 bits. */
        byte[] bytes() {
            byte[] b = new byte[values.length];
            for (int i = 0; i < values.length; i++) {
                if (values[i] < 0 || values[i] > 255) {
                    throw new IllegalArgumentException("mask value " + values[i] + " at " + i + " does not fit an 8-bit mask");
                }
                b[i] = (byte) values[i];
            }
            return b;
        }
    }
}
