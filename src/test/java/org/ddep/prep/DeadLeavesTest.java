package org.ddep.prep;

import org.apache.commons.math3.transform.TransformType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dead-leaves demo data has the statistics it is built for: 1/f textures, a natural-image power
 * spectrum (~1/f^2), radii with density ~ r^-3, class ids only, no class told by colour, one image per
 * (seed, stream, index).
 */
class DeadLeavesTest {
    private static final int SIZE = 64;

    @Test
    void pinkNoiseHasAPowerSpectrumSlopeOfMinusTwo() {
        Random rnd = new Random(3);
        double[] power = new double[SIZE];
        for (int k = 0; k < 8; k++) {
            accumulate(power, PinkNoise.field(rnd, SIZE), SIZE, false);
        }
        assertEquals(-2.0, slope(power, 2, SIZE / 4), 0.15);
    }

    @Test
    void theSlopeEstimateSeesWhiteNoiseAsFlat() {
        Random rnd = new Random(4);
        double[] power = new double[SIZE];
        for (int k = 0; k < 8; k++) {
            double[] white = new double[SIZE * SIZE];
            Arrays.setAll(white, i -> rnd.nextGaussian());
            accumulate(power, white, SIZE, true);
        }
        assertEquals(0.0, slope(power, 2, SIZE / 4), 0.15);
    }

    @Test
    void pretrainingImagesHaveTheNaturalImagePowerSpectrum() {
        double[] power = new double[SIZE];
        for (int i = 0; i < 32; i++) {
            accumulate(power, grey(DeadLeaves.leaves(SIZE, 7, i).image()), SIZE, true);
        }
        double s = slope(power, 2, SIZE / 4);
        assertTrue(s > -2.4 && s < -1.6, "log-log slope of the radially averaged power spectrum " + s);
    }

    @Test
    void leafRadiiFollowTheMinusThreePowerLaw() {
        List<Double> radii = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            for (double r : DeadLeaves.leaves(SIZE, 11, i).radii()) {
                radii.add(r);
            }
        }
        double min = DeadLeaves.PRETRAIN_MIN * SIZE;
        double max = DeadLeaves.PRETRAIN_MAX * SIZE;
        double[] sorted = radii.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        assertTrue(n > 1000, "only " + n + " leaves");
        assertTrue(sorted[0] >= min && sorted[n - 1] <= max);
        // Kolmogorov-Smirnov against F(r) = (min^-2 - r^-2) / (min^-2 - max^-2); 1.63 / sqrt(n) is the 1% level.
        double d = 0;
        for (int i = 0; i < n; i++) {
            double f = (1 / (min * min) - 1 / (sorted[i] * sorted[i])) / (1 / (min * min) - 1 / (max * max));
            d = Math.max(d, Math.max(Math.abs(f - (double) i / n), Math.abs(f - (double) (i + 1) / n)));
        }
        assertTrue(d < 1.63 / Math.sqrt(n), "KS distance " + d + " over " + n + " radii");
        // and the maximum-likelihood exponent of a truncated power law is near 3
        assertEquals(3.0, exponent(sorted, min, max), 0.15);
    }

    @Test
    void pretrainingLabelsAreTheFrontObjectsShapeInEqualShares() {
        int[] count = new int[DeadLeaves.CLASSES.size()];
        for (int i = 0; i < 300; i++) {
            DeadLeaves.Leaves l = DeadLeaves.leaves(SIZE, 13, i);
            count[l.dominantClass()]++;
            // the labelled shape is visible in the image
            int c = l.dominantClass();
            assertTrue(Arrays.stream(l.shapes()).filter(v -> v == c).count() >= 10, "image " + i);
        }
        assertEquals(0, count[0]);
        for (int c = 1; c < count.length; c++) {
            assertEquals(60, count[c], 24, DeadLeaves.CLASSES.get(c) + ": " + Arrays.toString(count));
        }
    }

    @Test
    void masksHoldOnlyClassIdsOrIgnoreAndEveryClassOccurs() {
        Set<Integer> seen = new TreeSet<>();
        for (int i = 0; i < 60; i++) {
            for (int v : DeadLeaves.render(SIZE, 5, 1, i).mask()) {
                assertTrue(v >= 0 && v < DeadLeaves.CLASSES.size() || v == ShardSchema.IGNORE, "mask value " + v);
                seen.add(v);
            }
        }
        assertEquals(Set.of(0, 1, 2, 3, 4, 5, ShardSchema.IGNORE), seen);
    }

    @Test
    void aClassCannotBeToldByItsColour() {
        // Mean grey level of each class's pixels over many scenes: colours are drawn independently of shape.
        double[] sum = new double[DeadLeaves.CLASSES.size()];
        long[] count = new long[sum.length];
        for (int i = 0; i < 300; i++) {
            SyntheticScenes.Scene s = DeadLeaves.render(SIZE, 9, 1, i);
            double[] g = grey(s.image());
            for (int p = 0; p < g.length; p++) {
                int c = s.mask()[p];
                if (c != ShardSchema.IGNORE) {
                    sum[c] += g[p];
                    count[c]++;
                }
            }
        }
        for (int c = 0; c < sum.length; c++) {
            assertEquals(0.5, sum[c] / count[c], 0.05, DeadLeaves.CLASSES.get(c));
        }
    }

    @Test
    void theSameSeedGivesTheSameImagesAndAnotherSeedOthers() {
        for (int stream = 0; stream < 3; stream++) {
            SyntheticScenes.Scene a = DeadLeaves.render(SIZE, 42, stream, 3);
            SyntheticScenes.Scene b = DeadLeaves.render(SIZE, 42, stream, 3);
            assertArrayEquals(rgb(a.image()), rgb(b.image()));
            assertArrayEquals(a.mask(), b.mask());
            assertFalse(Arrays.equals(rgb(a.image()), rgb(DeadLeaves.render(SIZE, 43, stream, 3).image())));
            assertFalse(Arrays.equals(rgb(a.image()), rgb(DeadLeaves.render(SIZE, 42, stream, 4).image())));
        }
    }

    @Test
    void writesTheDemoLayoutsWithItsOwnClasses(@TempDir Path dir) throws Exception {
        DeadLeaves.write(new org.apache.hadoop.conf.Configuration(), dir.toUri().toString(),
                new SyntheticScenes.Spec(32, 12, 5, 3, 1));
        try (Stream<Path> s = Files.walk(dir.resolve("pretrain"))) {
            List<Path> images = s.filter(p -> p.toString().endsWith(".png")).toList();
            assertEquals(12, images.size());
            for (Path p : images) {
                assertTrue(DeadLeaves.CLASSES.subList(1, DeadLeaves.CLASSES.size())
                        .contains(p.getParent().getFileName().toString()), p.toString());
            }
        }
        try (Stream<Path> s = Files.list(dir.resolve("seg/train/masks"))) {
            assertEquals(5, s.filter(p -> p.toString().endsWith(".png")).count());
        }
        List<String> classes = Files.readAllLines(dir.resolve("seg").resolve(FolderPairsLayout.CLASSES_FILE));
        assertEquals(DeadLeaves.CLASSES, classes.stream().map(l -> l.split(" ")[0]).toList());
    }

    /** Adds the 2-D power spectrum of {@code img}, mean removed (Hann-windowed if not periodic), by integer radius. */
    static void accumulate(double[] power, double[] img, int n, boolean window) {
        double mean = Arrays.stream(img).average().orElse(0);
        double[][] re = new double[n][n];
        double[][] im = new double[n][n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double w = window ? hann(x, n) * hann(y, n) : 1;
                re[y][x] = (img[y * n + x] - mean) * w;
            }
        }
        PinkNoise.fft2(re, im, TransformType.FORWARD);
        for (int y = 0; y < n; y++) {
            int fy = Math.min(y, n - y);
            for (int x = 0; x < n; x++) {
                int fx = Math.min(x, n - x);
                int k = (int) Math.round(Math.sqrt(fx * fx + fy * fy));
                if (k < n) {
                    power[k] += re[y][x] * re[y][x] + im[y][x] * im[y][x];
                }
            }
        }
    }

    /** Least-squares slope of log(mean power in ring k) against log(k), for k in [from, to]. */
    static double slope(double[] power, int from, int to) {
        int[] ring = new int[power.length];
        int n = power.length;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                int fx = Math.min(x, n - x);
                int fy = Math.min(y, n - y);
                int k = (int) Math.round(Math.sqrt(fx * fx + fy * fy));
                if (k < n) {
                    ring[k]++;
                }
            }
        }
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        int m = 0;
        for (int k = from; k <= to; k++) {
            double lx = Math.log(k);
            double ly = Math.log(power[k] / ring[k]);
            sx += lx;
            sy += ly;
            sxx += lx * lx;
            sxy += lx * ly;
            m++;
        }
        return (m * sxy - sx * sy) / (m * sxx - sx * sx);
    }

    /** Maximum-likelihood exponent a of a density ~ r^-a on [min, max], by bisection. */
    static double exponent(double[] r, double min, double max) {
        double meanLog = Arrays.stream(r).map(Math::log).average().orElseThrow();
        double lo = 1.05;
        double hi = 6;
        for (int it = 0; it < 100; it++) {
            double a = (lo + hi) / 2;
            // d/da of the log-likelihood: E[log r] under the model minus the sample's mean log r.
            double e = modelMeanLog(a, min, max);
            if (e > meanLog) {
                lo = a;
            } else {
                hi = a;
            }
        }
        return (lo + hi) / 2;
    }

    private static double modelMeanLog(double a, double min, double max) {
        // E[log r] for density (a-1) r^-a / (min^(1-a) - max^(1-a)), by a fine midpoint sum.
        int steps = 20_000;
        double num = 0;
        double den = 0;
        double h = (max - min) / steps;
        for (int i = 0; i < steps; i++) {
            double r = min + (i + 0.5) * h;
            double p = Math.pow(r, -a);
            num += p * Math.log(r);
            den += p;
        }
        return num / den;
    }

    private static double hann(int i, int n) {
        return 0.5 - 0.5 * Math.cos(2 * Math.PI * (i + 0.5) / n);
    }

    static double[] grey(BufferedImage img) {
        int[] p = rgb(img);
        double[] g = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            g[i] = (((p[i] >> 16) & 0xff) + ((p[i] >> 8) & 0xff) + (p[i] & 0xff)) / (3 * 255.0);
        }
        return g;
    }

    private static int[] rgb(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }
}
