package org.ddep.prep;

import org.junit.jupiter.api.Test;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PngDecoder} against javax.imageio on PNGs written here with every filter type chosen row by
 * row (and the zlib stream cut into IDAT chunks down to one byte), against the PNGs of javax.imageio's
 * and OpenCV's writers, and on the files it must decline (so that OpenCV or javax.imageio decide).
 */
class PngDecoderTest {
    private static final int MIXED = -1;

    @Test
    void everyFilterEveryChunkingAndSizeDecodesAsJavaxImageIoDoes() throws IOException {
        int cases = 0;
        for (int channels : new int[]{1, 3}) {
            for (int[] hw : new int[][]{{1, 1}, {2, 3}, {5, 1}, {67, 101}}) {
                byte[] pixels = smoothNoise(hw[0], hw[1], channels, 31L * hw[0] + hw[1] + channels);
                for (int filter : new int[]{0, 1, 2, 3, 4, MIXED}) {
                    for (int chunk : new int[]{Integer.MAX_VALUE, 97, 1}) {
                        for (int level : new int[]{0, 6}) {
                            byte[] png = png(hw[0], hw[1], channels, pixels, filter, chunk, level, new Random(cases));
                            String what = channels + " channels, " + hw[0] + "x" + hw[1] + ", filter " + filter
                                    + ", IDAT of " + chunk + ", level " + level;
                            assertArrayEquals(pixels, samples(ImageIO.read(new ByteArrayInputStream(png))), "javax.imageio, " + what);
                            Optional<NativeCodec.Decoded> d = PngDecoder.decode(png);
                            assertTrue(d.isPresent(), what);
                            assertEquals(hw[0], d.get().height());
                            assertEquals(hw[1], d.get().width());
                            assertEquals(channels, d.get().channels());
                            assertArrayEquals(pixels, d.get().data(), what);
                            cases++;
                        }
                    }
                }
            }
        }
        assertEquals(2 * 4 * 6 * 3 * 2, cases);
    }

    @Test
    void otherWritersPngsAndTheirPathThroughImageCodec() throws IOException {
        for (int type : new int[]{BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_3BYTE_BGR}) {
            BufferedImage img = image(type, 48, 77, type);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            byte[] png = out.toByteArray();
            assertTrue(PngDecoder.decode(png).isPresent(), "javax.imageio's PNG of type " + type);
            assertArrayEquals(Pixels.of(ImageIO.read(new ByteArrayInputStream(png))).rgb(), ImageCodec.decodeRgb(png).rgb(),
                    "type " + type);
        }
        Pixels p = Pixels.of(image(BufferedImage.TYPE_INT_RGB, 40, 51, 9));
        byte[] opencv = ImageCodec.encodePng(p);
        assertArrayEquals(p.rgb(), PngDecoder.decode(opencv).orElseThrow().data(), "OpenCV's PNG");
        int[] ids = new Random(3).ints(40 * 51, 0, 256).toArray();
        byte[] mask = ImageCodec.encodeMask(new ImageCodec.Mask(40, 51, ids));
        assertTrue(PngDecoder.decode(mask).isPresent());
        assertArrayEquals(ids, ImageCodec.decodeMask(mask).values());
    }

    @Test
    void declinesWhatItDoesNotDecodeAndDamage() throws IOException {
        Random r = new Random(5);
        byte[] px = smoothNoise(9, 13, 3, 6);
        byte[] good = png(9, 13, 3, px, MIXED, Integer.MAX_VALUE, 6, r);
        assertTrue(PngDecoder.decode(good).isPresent());
        for (int type : new int[]{BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_USHORT_GRAY, BufferedImage.TYPE_BYTE_BINARY,
                BufferedImage.TYPE_BYTE_INDEXED}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image(type, 9, 13, 7), "png", out);
            assertTrue(PngDecoder.decode(out.toByteArray()).isEmpty(), "BufferedImage type " + type);
        }
        assertTrue(PngDecoder.decode(interlaced(image(BufferedImage.TYPE_INT_RGB, 9, 13, 8))).isEmpty(), "interlaced");
        assertTrue(PngDecoder.decode(withChunkAfterHeader(good, "tRNS", new byte[]{0, 1, 0, 2, 0, 3})).isEmpty(), "tRNS");
        assertTrue(PngDecoder.decode(withChunkAfterHeader(good, "tEXt", "a\0b".getBytes())).isPresent(), "an ancillary chunk is skipped");
        byte[] badText = withChunkAfterHeader(good, "tEXt", "a\0b".getBytes());
        badText[33 + 8 + 2] = 'c';
        assertTrue(PngDecoder.decode(badText).isEmpty(), "any chunk's CRC is checked, as libpng does");

        int idat = indexOf(good, "IDAT");
        byte[] flipped = good.clone();
        flipped[idat + 10] ^= 0x20;
        assertTrue(PngDecoder.decode(flipped).isEmpty(), "a changed byte breaks the chunk's CRC");
        assertTrue(PngDecoder.decode(withCrc(flipped, idat - 4)).isEmpty(), "same with a CRC to match: zlib's checks fail");
        assertTrue(PngDecoder.decode(png(9, 13, 3, px, 5, Integer.MAX_VALUE, 6, r)).isEmpty(), "filter type 5, valid zlib");
        for (int cut : new int[]{good.length / 2, good.length - 12, 40, 8}) {
            assertTrue(PngDecoder.decode(Arrays.copyOf(good, cut)).isEmpty(), "cut at " + cut);
        }
        assertTrue(PngDecoder.decode(new byte[]{1, 2, 3}).isEmpty());
    }

    /**
     * A PNG with the given filter on every row (or a random one per row; 5, which PNG does not
     * define, is written as no filter), its zlib stream in IDAT chunks of {@code chunk} bytes.
     */
    private static byte[] png(int h, int w, int channels, byte[] pixels, int filter, int chunk, int level, Random r) {
        int stride = w * channels;
        byte[] raw = new byte[h * (stride + 1)];
        for (int y = 0; y < h; y++) {
            int f = filter == MIXED ? r.nextInt(5) : filter;
            raw[y * (stride + 1)] = (byte) f;
            for (int i = 0; i < stride; i++) {
                int x = pixels[y * stride + i] & 0xff;
                int a = i >= channels ? pixels[y * stride + i - channels] & 0xff : 0;
                int b = y > 0 ? pixels[(y - 1) * stride + i] & 0xff : 0;
                int c = i >= channels && y > 0 ? pixels[(y - 1) * stride + i - channels] & 0xff : 0;
                int pred = switch (f) {
                    case 1 -> a;
                    case 2 -> b;
                    case 3 -> (a + b) / 2;
                    case 4 -> {
                        int p = a + b - c;
                        int pa = Math.abs(p - a);
                        int pb = Math.abs(p - b);
                        int pc = Math.abs(p - c);
                        yield pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                    }
                    default -> 0;
                };
                raw[y * (stride + 1) + 1 + i] = (byte) (x - pred);
            }
        }
        Deflater deflater = new Deflater(level);
        deflater.setInput(raw);
        deflater.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!deflater.finished()) {
            z.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        byte[] zlib = z.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        byte[] ihdr = new byte[13];
        put32(ihdr, 0, w);
        put32(ihdr, 4, h);
        ihdr[8] = 8;
        ihdr[9] = (byte) (channels == 3 ? 2 : 0);
        chunk(out, "IHDR", ihdr);
        for (int at = 0; at < zlib.length; at += Math.min(chunk, zlib.length - at)) {
            chunk(out, "IDAT", Arrays.copyOfRange(zlib, at, at + Math.min(chunk, zlib.length - at)));
        }
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] b = new byte[12 + data.length];
        put32(b, 0, data.length);
        System.arraycopy(type.getBytes(), 0, b, 4, 4);
        System.arraycopy(data, 0, b, 8, data.length);
        CRC32 crc = new CRC32();
        crc.update(b, 4, 4 + data.length);
        put32(b, 8 + data.length, (int) crc.getValue());
        out.writeBytes(b);
    }

    private static byte[] withChunkAfterHeader(byte[] png, String type, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, 33);
        chunk(out, type, data);
        out.write(png, 33, png.length - 33);
        return out.toByteArray();
    }

    /** The PNG with the CRC of the chunk starting at {@code chunk} (its length field) recomputed. */
    private static byte[] withCrc(byte[] png, int chunk) {
        byte[] b = png.clone();
        int len = (b[chunk] & 0xff) << 24 | (b[chunk + 1] & 0xff) << 16 | (b[chunk + 2] & 0xff) << 8 | b[chunk + 3] & 0xff;
        CRC32 crc = new CRC32();
        crc.update(b, chunk + 4, 4 + len);
        put32(b, chunk + 8 + len, (int) crc.getValue());
        return b;
    }

    private static byte[] interlaced(BufferedImage img) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            writer.write(null, new IIOImage(img, null, null), param);
        } finally {
            writer.dispose();
        }
        byte[] png = out.toByteArray();
        assertEquals(1, png[28], "the writer made it interlaced");
        return png;
    }

    private static int indexOf(byte[] b, String type) {
        for (int i = 0; i + 4 <= b.length; i++) {
            if (b[i] == type.charAt(0) && b[i + 1] == type.charAt(1) && b[i + 2] == type.charAt(2) && b[i + 3] == type.charAt(3)) {
                return i;
            }
        }
        throw new AssertionError("no " + type);
    }

    private static void put32(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    /** A gradient under noise, so every filter has both small and large residuals. */
    private static byte[] smoothNoise(int h, int w, int channels, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[h * w * channels];
        for (int i = 0; i < b.length; i++) {
            int pixel = i / channels;
            b[i] = (byte) ((pixel % w) * 3 + (pixel / w) * 5 + (i % channels) * 70 + r.nextInt(40));
        }
        return b;
    }

    private static byte[] samples(BufferedImage img) {
        Raster r = img.getRaster();
        int[] s = r.getPixels(0, 0, img.getWidth(), img.getHeight(), (int[]) null);
        byte[] b = new byte[s.length];
        for (int i = 0; i < s.length; i++) {
            b[i] = (byte) s[i];
        }
        return b;
    }

    private static BufferedImage image(int type, int h, int w, long seed) {
        BufferedImage img = new BufferedImage(w, h, type);
        Random r = new Random(seed);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, 0xff000000 | (x * 5 + r.nextInt(30)) << 16 | (y * 3 + r.nextInt(30)) << 8 | r.nextInt(256));
            }
        }
        if (type == BufferedImage.TYPE_INT_ARGB) {
            img.setRGB(0, 0, 0x10203040);
        }
        return img;
    }
}
