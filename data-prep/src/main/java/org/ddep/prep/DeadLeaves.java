package org.ddep.prep;

import org.apache.hadoop.conf.Configuration;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Demo data with the statistics of natural images: the dead-leaves model. Opaque random shapes
 * (discs, ellipses, triangles, squares, stars) fall on the image, each hiding what lies below;
 * their sizes follow a power law, density ~ r^-3 between a smallest and a largest radius (the
 * scale-invariant choice, which gives a power spectrum ~ 1/f^2), and every shape and every
 * background carries its own 1/f texture ({@link PinkNoise}) with a random mean colour.
 * <p>
 * Pretraining images are dead leaves, painted front to back until every pixel is covered, the first
 * (front-most, whole) leaf a large one near the centre: like an ImageNet photograph, one object in
 * clutter, and its shape is the image's class (the encoder's classification label).
 * Segmentation scenes are one textured background with one to four textured objects on it, later
 * objects hiding earlier ones. Colour and texture are drawn independently of the class, so the class
 * of a pixel (its object's shape type) must be read from shape and context, not from colour.
 */
public final class DeadLeaves {
    public static final List<String> CLASSES = List.of("background", "disc", "ellipse", "triangle", "square", "star");
    public static final List<String> COLOURS = List.of("#404040", "#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231");
    /**
     * Pretraining leaves: radii from size / 16 (4 px at 64) to half the image, density ~ r^-EXPONENT.
     * Measured at 64 px (DeadLeavesTest, docs/benchmarks.md): a smallest radius of 2 px flattens the
     * spectrum to a slope of -1.56 (many tiny leaves decorrelate every distance above a few pixels);
     * 4 px with the textures below gives -2.09, and -2.22 with the large front object: natural images
     * measure about -2.
     */
    static final double PRETRAIN_MIN = 1 / 16.0;
    static final double PRETRAIN_MAX = 1 / 2.0;
    static final double EXPONENT = 3;
    /** The front object of a pretraining image, whose shape is its class: radii from 25% to 45% of the side. */
    static final double FRONT_MIN = 0.25;
    static final double FRONT_MAX = 0.45;
    /** Objects of segmentation scenes: radii from 8% to 35% of the side. */
    static final double OBJECT_MIN = 0.08;
    static final double OBJECT_MAX = 0.35;
    /** Periodic texture fields per image; each leaf reads one at a random shift, sign and orientation. */
    private static final int FIELDS = 4;
    /** Beyond this many leaves the last uncovered pixels take the background's texture. */
    private static final int MAX_LEAVES = 20_000;

    private DeadLeaves() {
    }

    /** Writes {@code root/pretrain} (folder-classes) and {@code root/seg} (folder-pairs), like {@link SyntheticScenes}. */
    public static void write(Configuration conf, String root, SyntheticScenes.Spec spec) throws IOException {
        SyntheticScenes.write(conf, root, spec, DeadLeaves::render, CLASSES, COLOURS);
    }

    /** Stream 0: a pretraining image; 1 and 2: a train or val scene. The same arguments give the same image. */
    public static SyntheticScenes.Scene render(int size, long seed, int stream, int index) {
        if (stream == 0) {
            Leaves l = leaves(size, seed, index);
            return new SyntheticScenes.Scene(l.image(), l.shapes(), l.dominantClass());
        }
        return scene(size, seed, stream, index);
    }

    /**
     * One pretraining image, with the shape class of the leaf visible at every pixel, the class of the
     * front object, and the radius of every clutter leaf drawn after it (visible or not), in order.
     */
    public record Leaves(BufferedImage image, int[] shapes, int dominantClass, double[] radii) {
    }

    public static Leaves leaves(int size, long seed, int index) {
        Random rnd = random(seed, 0, index);
        Textures tex = new Textures(rnd, size);
        int[] rgb = new int[size * size];
        int[] shapes = new int[size * size];
        boolean[] covered = new boolean[size * size];
        int uncovered = size * size;
        // The front object first, large and near the centre, as a photograph frames its subject. Measured
        // (docs/benchmarks.md): labelled by the largest visible leaf, or by a front object at a scene
        // object's size, the encoder stayed at chance; with this one its loss falls below chance.
        double fr = radius(rnd, FRONT_MIN * size, FRONT_MAX * size);
        Leaf object = new Leaf(rnd, 1 + rnd.nextInt(CLASSES.size() - 1), fr, size * (0.3 + 0.4 * rnd.nextDouble()),
                size * (0.3 + 0.4 * rnd.nextDouble()), tex);
        uncovered -= object.paint(size, rgb, shapes, covered);
        double[] radii = new double[MAX_LEAVES];
        int n = 0;
        // Front to back: a new leaf lies behind all earlier ones, so it only paints uncovered pixels.
        while (uncovered > 0 && n < MAX_LEAVES) {
            double r = radius(rnd, PRETRAIN_MIN * size, PRETRAIN_MAX * size);
            // Centres also fall outside the image, so that leaves cut by the border are as likely as elsewhere.
            Leaf leaf = new Leaf(rnd, 1 + rnd.nextInt(CLASSES.size() - 1), r, -r + rnd.nextDouble() * (size + 2 * r),
                    -r + rnd.nextDouble() * (size + 2 * r), tex);
            radii[n++] = r;
            uncovered -= leaf.paint(size, rgb, shapes, covered);
        }
        if (uncovered > 0) {
            Leaf back = Leaf.background(rnd, size, tex);
            back.paint(size, rgb, shapes, covered);
        }
        return new Leaves(image(size, rgb), shapes, object.shape, Arrays.copyOf(radii, n));
    }

    /** A segmentation scene: a textured background and one to four textured objects, back to front. */
    static SyntheticScenes.Scene scene(int size, long seed, int stream, int index) {
        Random rnd = random(seed, stream, index);
        Textures tex = new Textures(rnd, size);
        int[] rgb = new int[size * size];
        int[] cls = new int[size * size];
        Leaf.background(rnd, size, tex).paint(size, rgb, cls, null);
        int objects = 1 + rnd.nextInt(4);
        long[] area = new long[CLASSES.size()];
        for (int k = 0; k < objects; k++) {
            object(rnd, size, tex).paint(size, rgb, cls, null);
        }
        for (int c : cls) {
            area[c]++;
        }
        int dominant = 1;
        for (int c = 2; c < area.length; c++) {
            if (area[c] > area[dominant]) {
                dominant = c;
            }
        }
        return new SyntheticScenes.Scene(image(size, rgb), SyntheticScenes.markBoundaries(cls, size), dominant);
    }

    /** A scene object: a random shape at a scene object's size, centred anywhere in the image. */
    private static Leaf object(Random rnd, int size, Textures tex) {
        double r = radius(rnd, OBJECT_MIN * size, OBJECT_MAX * size);
        return new Leaf(rnd, 1 + rnd.nextInt(CLASSES.size() - 1), r, rnd.nextDouble() * size, rnd.nextDouble() * size, tex);
    }

    /**
     * A radius with density ~ r^-a (a = {@link #EXPONENT}) on [min, max], by inverting its distribution
     * function F(r) = (min^(1-a) - r^(1-a)) / (min^(1-a) - max^(1-a)).
     */
    static double radius(Random rnd, double min, double max) {
        double k = 1 - EXPONENT;
        double a = Math.pow(min, k);
        double b = Math.pow(max, k);
        return Math.pow(a - rnd.nextDouble() * (a - b), 1 / k);
    }

    private static Random random(long seed, int stream, int index) {
        // Another multiplier than SyntheticScenes', so the two styles never share a random stream.
        return new Random(seed * 2_000_029L + stream * 104_729L + index + 0x5DEECE66DL);
    }

    private static BufferedImage image(int size, int[] rgb) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, size, size, rgb, 0, size);
        return img;
    }

    /** The image's bank of periodic 1/f fields. */
    private static final class Textures {
        final int side;
        final double[][] fields = new double[FIELDS][];

        Textures(Random rnd, int size) {
            side = Integer.highestOneBit(size - 1) << 1;
            for (int i = 0; i < FIELDS; i++) {
                fields[i] = PinkNoise.field(rnd, side);
            }
        }
    }

    /** One opaque shape: class, centre, size, rotation and a texture (field, shift, sign, colour, contrast). */
    private static final class Leaf {
        final int shape;
        final double cx;
        final double cy;
        final double r;
        final double cos;
        final double sin;
        final double aspect;
        final double[] field;
        final int side;
        final int ox;
        final int oy;
        final boolean transpose;
        final double[] mean = new double[3];
        final double[] gain = new double[3];

        Leaf(Random rnd, int shape, double r, double cx, double cy, Textures tex) {
            this.shape = shape;
            this.r = r;
            this.cx = cx;
            this.cy = cy;
            double theta = rnd.nextDouble() * 2 * Math.PI;
            cos = Math.cos(theta);
            sin = Math.sin(theta);
            aspect = 0.35 + 0.25 * rnd.nextDouble();
            field = tex.fields[rnd.nextInt(FIELDS)];
            side = tex.side;
            ox = rnd.nextInt(side);
            oy = rnd.nextInt(side);
            transpose = rnd.nextBoolean();
            // Texture standard deviation 0.04-0.12 against 0.23 for the leaves' mean colours: stronger
            // textures, independent from leaf to leaf, flatten the spectrum at low frequencies.
            double contrast = (0.04 + 0.08 * rnd.nextDouble()) * (rnd.nextBoolean() ? 1 : -1);
            for (int c = 0; c < 3; c++) {
                mean[c] = 0.1 + 0.8 * rnd.nextDouble();
                // Mostly a luminance texture with a little colour in it, as in natural surfaces.
                gain[c] = contrast * (0.7 + 0.6 * rnd.nextDouble());
            }
        }

        /** A leaf covering the whole image: class 0 (background). */
        static Leaf background(Random rnd, int size, Textures tex) {
            return new Leaf(rnd, 0, 2 * size, size / 2.0, size / 2.0, tex);
        }

        /**
         * Paints this leaf's pixels: over everything when {@code covered} is null (back to front), else
         * only where nothing is yet (front to back). Returns the number of pixels painted.
         */
        int paint(int size, int[] rgb, int[] cls, boolean[] covered) {
            int x0 = Math.max(0, (int) Math.floor(cx - r));
            int x1 = Math.min(size - 1, (int) Math.ceil(cx + r));
            int y0 = Math.max(0, (int) Math.floor(cy - r));
            int y1 = Math.min(size - 1, (int) Math.ceil(cy + r));
            int painted = 0;
            for (int y = y0; y <= y1; y++) {
                for (int x = x0; x <= x1; x++) {
                    int i = y * size + x;
                    if ((covered != null && covered[i]) || !contains(x, y)) {
                        continue;
                    }
                    rgb[i] = colour(x, y);
                    cls[i] = shape;
                    if (covered != null) {
                        covered[i] = true;
                    }
                    painted++;
                }
            }
            return painted;
        }

        boolean contains(int x, int y) {
            if (shape == 0) {
                return true;
            }
            double dx = (x + 0.5 - cx) / r;
            double dy = (y + 0.5 - cy) / r;
            double u = dx * cos - dy * sin;
            double v = dx * sin + dy * cos;
            return switch (shape) {
                case 1 -> u * u + v * v < 1;
                case 2 -> u * u + (v * v) / (aspect * aspect) < 1;
                case 3 -> v >= -0.5 && v <= 1 - Math.sqrt(3) * Math.abs(u);   // equilateral, inscribed in the unit circle
                case 4 -> Math.max(Math.abs(u), Math.abs(v)) < Math.sqrt(0.5); // inscribed square
                default -> {                                                    // five-pointed star
                    double rho = Math.sqrt(u * u + v * v);
                    double sector = 2 * Math.PI / 5;
                    double phase = (Math.atan2(v, u) + Math.PI) % sector / sector;
                    yield rho < 0.4 + 0.6 * Math.abs(2 * phase - 1);
                }
            };
        }

        int colour(int x, int y) {
            int fx = Math.floorMod(x + ox, side);
            int fy = Math.floorMod(y + oy, side);
            double t = transpose ? field[fx * side + fy] : field[fy * side + fx];
            int out = 0;
            for (int c = 0; c < 3; c++) {
                double v = mean[c] + gain[c] * t;
                out = out << 8 | (int) Math.round(255 * Math.max(0, Math.min(1, v)));
            }
            return out;
        }
    }
}
