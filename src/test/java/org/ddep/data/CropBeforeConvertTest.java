package org.ddep.data;

import org.ddep.prep.Pixels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Training examples crop and flip decoded pixels before converting them to floats: the same random
 * draws and the same values as converting the whole image and cropping it, padding included.
 */
class CropBeforeConvertTest {
    @ParameterizedTest
    @CsvSource({"40, 57, 24", "40, 57, 40", "30, 20, 32", "16, 64, 24"})
    void cropAndFlipOfPixelsEqualsCropAndFlipOfTheConvertedImage(int h, int w, int size) {
        Pixels p = pixels(h, w, h * 31L + w);
        int[] mask = new Random(h + w).ints(h * w, 0, 20).toArray();
        ImageTensors.Image img = ImageTensors.fromPixels(p);
        for (long seed = 0; seed < 8; seed++) {
            SplittableRandom a = new SplittableRandom(seed);
            SplittableRandom b = new SplittableRandom(seed);
            Augment.Sample fused = Augment.randomCropFlip(p, mask, size, true, a);
            Augment.Sample s = Augment.randomCrop(new Augment.Sample(img.chw(), h, w, mask), size, b);
            s = b.nextBoolean() ? Augment.flip(s) : s;
            assertArrayEquals(s.chw(), fused.chw(), "seed " + seed);
            assertArrayEquals(s.mask(), fused.mask(), "seed " + seed);
            assertEquals(b.nextLong(), a.nextLong(), "the same draws were made");
        }
    }

    @ParameterizedTest
    @CsvSource({"40, 57, 24", "20, 30, 24"})
    void trainingViewOfPixelsEqualsTheTrainingViewOfTheConvertedImage(int h, int w, int size) {
        Pixels p = pixels(h, w, 5);
        ImageTensors.Image img = ImageTensors.fromPixels(p);
        for (long seed = 0; seed < 8; seed++) {
            Augment.Sample fused = Augment.trainingView(p, size, true, new SplittableRandom(seed));
            Augment.Sample s = Augment.trainingView(new Augment.Sample(img.chw(), h, w, null), size, true,
                    new SplittableRandom(seed));
            assertArrayEquals(s.chw(), fused.chw(), "seed " + seed);
        }
    }

    private static Pixels pixels(int h, int w, long seed) {
        byte[] rgb = new byte[3 * h * w];
        new Random(seed).nextBytes(rgb);
        return new Pixels(h, w, rgb);
    }
}
