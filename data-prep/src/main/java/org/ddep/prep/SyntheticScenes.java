package org.ddep.prep;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The demo's built-in data: procedural scenes of textured objects over textured backgrounds,
 * deterministic from a seed. Five object classes differ in shape AND texture, while colours are
 * random, so a model has to learn shape and texture, not colour. Pixels on a class boundary are
 * 255 (ignore), as in real datasets.
 * <p>
 * Writes two datasets in real source layouts: an ImageNet-like classification set in the
 * folder-classes layout (each image's class is its dominant object), and a segmentation set in the
 * folder-pairs layout with train and val splits.
 */
public final class SyntheticScenes {
    public static final List<String> CLASSES = List.of("background", "disc", "square", "triangle", "ring", "cross");
    public static final List<String> COLOURS = List.of("#404040", "#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231");

    public record Spec(int size, int pretrainImages, int trainImages, int valImages, long seed) {
        public Spec {
            if (size < 16 || pretrainImages < 1 || trainImages < 1 || valImages < 1) {
                throw new IllegalArgumentException("demo data needs size >= 16 and at least one image per set: " + this);
            }
        }
    }

    /** One rendered scene: RGB pixels, train-id mask and the dominant object class (1..5). */
    public record Scene(BufferedImage image, int[] mask, int dominantClass) {
    }

    private SyntheticScenes() {
    }

    /** Writes {@code root/pretrain} (folder-classes) and {@code root/seg} (folder-pairs). */
    public static void write(Configuration conf, String root, Spec spec) throws IOException {
        write(conf, root, spec, SyntheticScenes::render, CLASSES, COLOURS);
    }

    /** Renders image {@code index} of stream 0 (pretraining), 1 (train) or 2 (val); a pure function of its arguments. */
    interface Renderer {
        Scene render(int size, long seed, int stream, int index);
    }

    /**
     * Writes a generated dataset in the demo's two layouts: pretraining images filed under the name of
     * their dominant class, and segmentation scenes with train-id masks, plus the class list.
     */
    static void write(Configuration conf, String root, Spec spec, Renderer renderer, List<String> classes,
                      List<String> colours) throws IOException {
        Path base = new Path(root);
        FileSystem fs = base.getFileSystem(conf);
        for (int i = 0; i < spec.pretrainImages(); i++) {
            Scene s = renderer.render(spec.size(), spec.seed(), 0, i);
            String cls = classes.get(s.dominantClass());
            put(fs, new Path(base, String.format("pretrain/%s/img_%05d.png", cls, i)), ImageCodec.encodePng(s.image()));
        }
        writeSplit(fs, base, "train", 1, spec.trainImages(), spec, renderer);
        writeSplit(fs, base, "val", 2, spec.valImages(), spec, renderer);
        StringBuilder text = new StringBuilder();
        for (int c = 0; c < classes.size(); c++) {
            text.append(classes.get(c)).append(' ').append(colours.get(c)).append('\n');
        }
        put(fs, new Path(base, "seg/" + FolderPairsLayout.CLASSES_FILE), text.toString().getBytes());
    }

    private static void writeSplit(FileSystem fs, Path base, String split, int stream, int n, Spec spec,
                                   Renderer renderer) throws IOException {
        for (int i = 0; i < n; i++) {
            Scene s = renderer.render(spec.size(), spec.seed(), stream, i);
            String name = String.format("scene_%05d.png", i);
            put(fs, new Path(base, "seg/" + split + "/images/" + name), ImageCodec.encodePng(s.image()));
            put(fs, new Path(base, "seg/" + split + "/masks/" + name),
                    ImageCodec.encodeMask(new ImageCodec.Mask(spec.size(), spec.size(), s.mask())));
        }
    }

    private static void put(FileSystem fs, Path p, byte[] bytes) throws IOException {
        try (FSDataOutputStream out = fs.create(p, true)) {
            out.write(bytes);
        }
    }

    /** Renders scene {@code index} of stream {@code stream}; the same arguments give the same scene. */
    public static Scene render(int size, long seed, int stream, int index) {
        Random rnd = new Random(seed * 1_000_003L + stream * 7_919L + index);
        int[] rgb = new int[size * size];
        int[] cls = new int[size * size];
        paintBackground(rnd, size, rgb);
        int objects = 1 + rnd.nextInt(3);
        List<Shape> shapes = new ArrayList<>();
        for (int k = 0; k < objects; k++) {
            shapes.add(Shape.random(rnd, size));
        }
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                for (Shape s : shapes) {
                    if (s.contains(x, y)) {
                        cls[y * size + x] = s.cls;
                        rgb[y * size + x] = s.texture(x, y);
                    }
                }
            }
        }
        addNoise(rnd, rgb);
        long[] area = new long[CLASSES.size()];
        for (int v : cls) {
            area[v]++;
        }
        int dominant = 1;
        for (int c = 2; c < area.length; c++) {
            if (area[c] > area[dominant]) {
                dominant = c;
            }
        }
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, size, size, rgb, 0, size);
        return new Scene(img, markBoundaries(cls, size), dominant);
    }

    /** Pixels whose right or lower neighbour has another class become ignore, as annotators leave edges. */
    static int[] markBoundaries(int[] cls, int size) {
        int[] mask = cls.clone();
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int c = cls[y * size + x];
                boolean edge = (x + 1 < size && cls[y * size + x + 1] != c) || (y + 1 < size && cls[(y + 1) * size + x] != c);
                if (edge) {
                    mask[y * size + x] = ShardSchema.IGNORE;
                }
            }
        }
        return mask;
    }

    private static void paintBackground(Random rnd, int size, int[] rgb) {
        int a = randomColour(rnd);
        int b = randomColour(rnd);
        double fx = (0.5 + rnd.nextDouble() * 2.5) * 2 * Math.PI / size;
        double fy = (0.5 + rnd.nextDouble() * 2.5) * 2 * Math.PI / size;
        double phase = rnd.nextDouble() * 2 * Math.PI;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double t = 0.5 + 0.25 * Math.sin(fx * x + phase) + 0.25 * Math.cos(fy * y - phase);
                rgb[y * size + x] = mix(a, b, t);
            }
        }
    }

    private static void addNoise(Random rnd, int[] rgb) {
        for (int i = 0; i < rgb.length; i++) {
            int d = rnd.nextInt(17) - 8;
            int p = rgb[i];
            rgb[i] = clamp(((p >> 16) & 0xff) + d) << 16 | clamp(((p >> 8) & 0xff) + d) << 8 | clamp((p & 0xff) + d);
        }
    }

    private static int randomColour(Random rnd) {
        return (rnd.nextInt(256) << 16) | (rnd.nextInt(256) << 8) | rnd.nextInt(256);
    }

    private static int mix(int a, int b, double t) {
        int r = (int) Math.round(((a >> 16) & 0xff) * (1 - t) + ((b >> 16) & 0xff) * t);
        int g = (int) Math.round(((a >> 8) & 0xff) * (1 - t) + ((b >> 8) & 0xff) * t);
        int bl = (int) Math.round((a & 0xff) * (1 - t) + (b & 0xff) * t);
        return r << 16 | g << 8 | bl;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    /** An object: class (its shape and texture), centre, radius, rotation and two random colours. */
    private static final class Shape {
        final int cls;
        final double cx;
        final double cy;
        final double r;
        final double cos;
        final double sin;
        final int a;
        final int b;
        final int period;
        final long speckleSeed;

        private Shape(Random rnd, int size) {
            cls = 1 + rnd.nextInt(CLASSES.size() - 1);
            r = size * (0.14 + rnd.nextDouble() * 0.16);
            cx = r * 0.5 + rnd.nextDouble() * (size - r);
            cy = r * 0.5 + rnd.nextDouble() * (size - r);
            double theta = rnd.nextDouble() * 2 * Math.PI;
            cos = Math.cos(theta);
            sin = Math.sin(theta);
            a = randomColour(rnd);
            int bb;
            do {
                bb = randomColour(rnd);
            } while (distance(a, bb) < 120);
            b = bb;
            period = 3 + rnd.nextInt(3);
            speckleSeed = rnd.nextLong();
        }

        static Shape random(Random rnd, int size) {
            return new Shape(rnd, size);
        }

        boolean contains(int x, int y) {
            double dx = (x + 0.5 - cx) / r;
            double dy = (y + 0.5 - cy) / r;
            double u = dx * cos - dy * sin;
            double v = dx * sin + dy * cos;
            double d = Math.sqrt(u * u + v * v);
            return switch (cls) {
                case 1 -> d < 1;
                case 2 -> Math.max(Math.abs(u), Math.abs(v)) < 0.8;
                case 3 -> v >= -0.5 && v <= 1 - Math.sqrt(3) * Math.abs(u);
                case 4 -> d > 0.55 && d < 1;
                default -> (Math.abs(u) < 0.3 && Math.abs(v) < 0.95) || (Math.abs(v) < 0.3 && Math.abs(u) < 0.95);
            };
        }

        int texture(int x, int y) {
            boolean first = switch (cls) {
                case 1 -> { // dots
                    double px = x % period - period / 2.0;
                    double py = y % period - period / 2.0;
                    yield px * px + py * py < period * period / 8.0;
                }
                case 2 -> ((x / period) + (y / period)) % 2 == 0; // checker
                case 3 -> (y / period) % 2 == 0; // horizontal stripes
                case 4 -> (new Random(speckleSeed + y * 4099L + x).nextInt(2)) == 0; // speckle
                default -> ((x + y) / period) % 2 == 0; // diagonal stripes
            };
            return first ? a : b;
        }

        private static int distance(int p, int q) {
            return Math.abs(((p >> 16) & 0xff) - ((q >> 16) & 0xff)) + Math.abs(((p >> 8) & 0xff) - ((q >> 8) & 0xff))
                    + Math.abs((p & 0xff) - (q & 0xff));
        }
    }
}
