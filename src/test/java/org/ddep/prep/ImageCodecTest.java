package org.ddep.prep;

import org.bytedeco.javacpp.Pointer;
import org.ddep.testing.ClassFolderFixtures;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenCV (training) and leptonica (prep) decoders against the javax.imageio one they replaced, on generated noise-textured images
 * of odd sizes: the same pixels for every PNG kind, the same within IDCT rounding for JPEG, mask
 * values kept as train ids, and damaged files still damaged.
 */
class ImageCodecTest {
    private static final int H = 67;
    private static final int W = 101;

    @Test
    void pngPixelsEqualTheImageIoDecodersExactly() throws IOException {
        for (int type : new int[]{BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_INT_ARGB,
                BufferedImage.TYPE_USHORT_GRAY, BufferedImage.TYPE_BYTE_BINARY}) {
            byte[] png = imageIo(noise(type, 1), "png");
            assertArrayEquals(reference(png).rgb(), ImageCodec.decodeRgb(png).rgb(), "PNG of BufferedImage type " + type);
        }
        byte[] palette = imageIo(palette(H, W, 2), "png");
        assertArrayEquals(reference(palette).rgb(), ImageCodec.decodeRgb(palette).rgb(), "palette PNG");
        Pixels rgb = Pixels.of(noise(BufferedImage.TYPE_INT_RGB, 3));
        byte[] ours = ImageCodec.encodePng(rgb);
        assertArrayEquals(rgb.rgb(), reference(ours).rgb(), "our PNG is lossless");
        assertArrayEquals(rgb.rgb(), ImageCodec.decodeRgb(ours).rgb());
    }

    @Test
    void jpegPixelsDifferFromTheImageIoDecodersByIdctRoundingAtMost() throws IOException {
        int worst = 0;
        int worstPrep = 0;
        for (int seed = 0; seed < 6; seed++) {
            BufferedImage colour = noise(BufferedImage.TYPE_INT_RGB, 10 + seed);
            for (byte[] jpeg : List.of(imageIo(colour, "jpeg"), ImageCodec.encodeJpeg(Pixels.of(colour)),
                    imageIo(noise(BufferedImage.TYPE_BYTE_GRAY, 20 + seed), "jpeg"))) {
                Pixels old = reference(jpeg);
                Pixels now = ImageCodec.decodeRgb(jpeg);
                Pixels prep = ImageCodec.decodeChecked(jpeg);
                assertEquals(List.of(old.height(), old.width()), List.of(now.height(), now.width()));
                assertEquals(List.of(old.height(), old.width()), List.of(prep.height(), prep.width()));
                worst = Math.max(worst, maxDifference(old.rgb(), now.rgb()));
                worstPrep = Math.max(worstPrep, maxDifference(old.rgb(), prep.rgb()));
            }
        }
        System.out.println("largest JPEG difference of 255 from javax.imageio: OpenCV " + worst + ", leptonica " + worstPrep);
        assertTrue(worst <= 2, "largest difference, OpenCV " + worst);
        assertTrue(worstPrep <= 2, "largest difference, leptonica " + worstPrep);
    }

    @Test
    void jpegExifOrientationIsIgnoredAsBefore() throws IOException {
        byte[] rotated = withExifOrientation(imageIo(noise(BufferedImage.TYPE_INT_RGB, 4), "jpeg"), 6);
        Pixels now = ImageCodec.decodeRgb(rotated);
        assertEquals(List.of(H, W), List.of(now.height(), now.width()), "orientation 6 would swap the sides");
        assertTrue(maxDifference(reference(rotated).rgb(), now.rgb()) <= 2);
    }

    @Test
    void masksKeepTheirValuesWhetherGreyPaletteOrSixteenBit() throws IOException {
        BufferedImage grey = noise(BufferedImage.TYPE_BYTE_GRAY, 5);
        BufferedImage palette = palette(H, W, 6);
        BufferedImage wide = noise(BufferedImage.TYPE_USHORT_GRAY, 7);
        for (BufferedImage img : List.of(grey, palette, wide)) {
            int[] expected = img.getRaster().getSamples(0, 0, W, H, 0, new int[H * W]);
            ImageCodec.Mask m = ImageCodec.decodeMask(imageIo(img, "png"));
            assertArrayEquals(expected, m.values(), "mask of BufferedImage type " + img.getType());
        }
        int[] ids = new Random(8).ints(H * W, 0, 256).toArray();
        ImageCodec.Mask back = ImageCodec.decodeMask(ImageCodec.encodeMask(new ImageCodec.Mask(H, W, ids)));
        assertArrayEquals(ids, back.values());
        assertThrows(ImageCodec.NotAMaskException.class, () -> ImageCodec.decodeMask(imageIo(noise(BufferedImage.TYPE_INT_RGB, 9), "png")));
    }

    @Test
    void truncatedAndCorruptFilesAreDamaged() throws IOException {
        byte[] jpeg = ImageCodec.encodeJpeg(Pixels.of(noise(BufferedImage.TYPE_INT_RGB, 30)));
        byte[] png = ImageCodec.encodePng(Pixels.of(noise(BufferedImage.TYPE_INT_RGB, 31)));
        byte[] mask = ImageCodec.encodeMask(new ImageCodec.Mask(H, W, new int[H * W]));
        List<byte[]> bad = List.of(Arrays.copyOf(jpeg, jpeg.length / 2), Arrays.copyOf(jpeg, jpeg.length - 2),
                Arrays.copyOf(png, png.length / 2), Arrays.copyOf(png, png.length - 40), new byte[]{1, 2, 3, 4, 5, 6, 7, 8});
        for (int i = 0; i < bad.size(); i++) {
            byte[] b = bad.get(i);
            assertThrows(IOException.class, () -> ImageCodec.decodeRgb(b), "case " + i);
            assertThrows(IOException.class, () -> ImageCodec.decodeChecked(b), "prep, case " + i);
        }
        // All pixel data but no IEND chunk: javax.imageio read it, so it still decodes (by javax.imageio).
        assertArrayEquals(ImageCodec.decodeRgb(png).rgb(), ImageCodec.decodeRgb(Arrays.copyOf(png, png.length - 12)).rgb());
        IOException e = assertThrows(IOException.class, () -> ImageCodec.decodeMask(Arrays.copyOf(mask, mask.length / 2)));
        assertTrue(!(e instanceof ImageCodec.NotAMaskException), e.toString());
    }

    @Test
    void prepsDecoderReportsDamageInsideAFileThatEndsWell() throws IOException {
        // A JPEG cut short and closed with an end marker (what some download and repair tools leave):
        // OpenCV decodes the readable part silently; prep's decoder must call it damaged.
        byte[] jpeg = ImageCodec.encodeJpeg(Pixels.of(noise(BufferedImage.TYPE_INT_RGB, 32)));
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length / 2 + 2);
        cut[cut.length - 2] = (byte) 0xff;
        cut[cut.length - 1] = (byte) 0xd9;
        assertThrows(IOException.class, () -> ImageCodec.decodeChecked(cut));
        assertArrayEquals(ImageCodec.decodeWithImageIo(jpeg).getRGB(0, 0, W, H, null, 0, W),
                ImageCodec.decodeChecked(jpeg).toImage().getRGB(0, 0, W, H, null, 0, W), "an intact file decodes as before");
    }

    @Test
    void interleavedJavaImagesAreReadAsGetRgbReadsThem() {
        Random r = new Random(33);
        for (int type : new int[]{BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_INT_RGB}) {
            BufferedImage img = new BufferedImage(W, H, type);
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    img.setRGB(x, y, r.nextInt());
                }
            }
            for (BufferedImage i : List.of(img, img.getSubimage(3, 5, W - 7, H - 9))) {
                int w = i.getWidth();
                int h = i.getHeight();
                int[] argb = i.getRGB(0, 0, w, h, null, 0, w);
                byte[] expected = new byte[3 * w * h];
                for (int p = 0; p < argb.length; p++) {
                    expected[3 * p] = (byte) (argb[p] >> 16);
                    expected[3 * p + 1] = (byte) (argb[p] >> 8);
                    expected[3 * p + 2] = (byte) argb[p];
                }
                assertArrayEquals(expected, Pixels.of(i).rgb(), "BufferedImage type " + type + ", " + w + "x" + h);
            }
        }
    }

    @Test
    void decodingOnManyThreadsGivesTheSamePixelsAndFreesItsNativeMemory() throws Exception {
        byte[] jpeg = ClassFolderFixtures.jpeg(120, 160, 40);
        byte[] expected = ImageCodec.decodeRgb(jpeg).rgb();
        long before = Pointer.totalBytes();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    boolean same = true;
                    for (int i = 0; i < 200; i++) {
                        same &= Arrays.equals(expected, ImageCodec.decodeRgb(jpeg).rgb());
                        same &= Arrays.equals(expected, ImageCodec.decodeChecked(jpeg).rgb());
                        ImageCodec.encodeJpeg(Resize.image(ImageCodec.decodeRgb(jpeg), 60, 80));
                    }
                    return same;
                }));
            }
            for (Future<Boolean> f : runs) {
                assertTrue(f.get());
            }
        } finally {
            pool.shutdown();
        }
        // 2,400 decodes of 57 KB of pixels each: anything kept would show as megabytes.
        assertTrue(Pointer.totalBytes() - before < 1 << 20, "native bytes held: " + (Pointer.totalBytes() - before));
    }

    /** The decoder this class replaced: javax.imageio, read through getRGB. */
    private static Pixels reference(byte[] bytes) throws IOException {
        return Pixels.of(ImageIO.read(new ByteArrayInputStream(bytes)));
    }

    private static int maxDifference(byte[] a, byte[] b) {
        int d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs((a[i] & 0xff) - (b[i] & 0xff)));
        }
        return d;
    }

    private static BufferedImage noise(int type, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(W, H, type);
        WritableRaster raster = img.getRaster();
        int max = (1 << img.getColorModel().getComponentSize(0)) - 1;
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                for (int b = 0; b < raster.getNumBands(); b++) {
                    // a smooth gradient under the noise, so JPEG keeps some structure
                    int v = (int) ((x * 3L + y * 5L + b * 40L) * max / 700) + r.nextInt(max / 4 + 1);
                    raster.setSample(x, y, b, Math.min(max, v));
                }
            }
        }
        return img;
    }

    private static BufferedImage palette(int h, int w, long seed) {
        Random r = new Random(seed);
        byte[] red = new byte[256];
        byte[] green = new byte[256];
        byte[] blue = new byte[256];
        r.nextBytes(red);
        r.nextBytes(green);
        r.nextBytes(blue);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 256, red, green, blue));
        img.getRaster().setSamples(0, 0, w, h, 0, r.ints(h * w, 0, 256).toArray());
        return img;
    }

    private static byte[] imageIo(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no " + format + " writer for type " + img.getType());
        return out.toByteArray();
    }

    /** The JPEG with an EXIF APP1 segment holding only an orientation tag, after its JFIF APP0. */
    private static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        int app0End = 4 + ((jpeg[4] & 0xff) << 8 | jpeg[5] & 0xff);
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, 0, 0, 0, 0};
        byte[] exif = {'E', 'x', 'i', 'f', 0, 0};
        int len = 2 + exif.length + tiff.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, app0End);
        out.write(0xff);
        out.write(0xe1);
        out.write(len >> 8);
        out.write(len & 0xff);
        out.writeBytes(exif);
        out.writeBytes(tiff);
        out.write(jpeg, app0End, jpeg.length - app0End);
        return out.toByteArray();
    }
}
