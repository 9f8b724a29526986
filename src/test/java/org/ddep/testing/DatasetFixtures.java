package org.ddep.testing;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Small generated datasets in the real on-disk layouts of Cityscapes, ADE20K and Pascal Context,
 * with the defects real copies have: a corrupt image, a truncated mask PNG, a mask of the wrong size,
 * a mask with an out-of-range value, a missing mask, stray non-image files (and for Pascal Context a
 * listed stem without its JPEG). Images are {@value #HEIGHT}x{@value #WIDTH}.
 *
 * <p>Every valid mask holds {@link Fixture#fillRaw()} except row 0, which holds the probe raw values
 * in {@link Fixture#probes()} order from column 0; the out-of-range image's mask also has
 * {@link Fixture#outOfRangePixels()} pixels of {@link Fixture#outOfRangeRaw()} at the start of row 1.
 * The first valid mask of each dataset is a palette PNG, the others grey.
 */
public final class DatasetFixtures {
    public static final int HEIGHT = 16;
    public static final int WIDTH = 32;
    public static final int OUT_OF_RANGE_PIXELS = 5;
    public static final String NOT_AN_IMAGE = "not an image file";

    /** A planted defect: the file prep must name and the kind of reason ({@code Skip.kind()}) it must give. */
    public record Defect(Path file, String kind) {
    }

    /** A generated dataset and what prep should make of it. */
    public record Fixture(String layout, Path root, List<String> splits, Map<String, List<String>> idsBySplit,
                          List<String> unlabelledSplits, List<Defect> defects, Path outOfRangeMask,
                          String outOfRangeId, int outOfRangeRaw, int outOfRangePixels,
                          Map<Integer, Integer> probes, int fillRaw, int fillTrainId) {
        public int rows() {
            return idsBySplit.values().stream().mapToInt(List::size).sum();
        }
    }

    private DatasetFixtures() {
    }

    public static Fixture write(String layout, Path dir) throws IOException {
        return switch (layout) {
            case "cityscapes" -> cityscapes(dir.resolve("cityscapes"));
            case "ade20k" -> ade20k(dir.resolve("ADEChallengeData2016"));
            case "pascal-context" -> pascalContext(dir.resolve("VOC2010"), "SegmentationClassContext",
                    "ImageSets/SegmentationContext");
            default -> throw new IllegalArgumentException("no fixture for layout " + layout);
        };
    }

    /** Cityscapes: train (two cities, all defects), val, and test with placeholder labels. */
    public static Fixture cityscapes(Path root) throws IOException {
        // labelId -> trainId, PAPER.md "Dataset facts": a class, a vehicle, the last class, and void ids.
        Map<Integer, Integer> probes = probes(7, 0, 26, 13, 33, 18, 0, 255, 1, 255, 9, 255, 255, 255);
        Builder b = new Builder("cityscapes", root, probes, 21, 8, 40);
        b.cityscapesPair("train", "aachen", "aachen_000000_000019", Kind.VALID);
        b.cityscapesPair("train", "aachen", "aachen_000001_000019", Kind.VALID);
        b.cityscapesPair("train", "aachen", "aachen_000002_000019", Kind.OUT_OF_RANGE);
        b.cityscapesPair("train", "aachen", "aachen_000003_000019", Kind.CORRUPT_IMAGE);
        b.cityscapesPair("train", "aachen", "aachen_000004_000019", Kind.TRUNCATED_MASK);
        b.cityscapesPair("train", "bochum", "bochum_000000_000313", Kind.VALID);
        b.cityscapesPair("train", "bochum", "bochum_000001_000313", Kind.WRONG_SIZE_MASK);
        b.cityscapesPair("train", "bochum", "bochum_000002_000313", Kind.MISSING_MASK);
        b.cityscapesPair("val", "frankfurt", "frankfurt_000000_000294", Kind.VALID);
        b.cityscapesPair("val", "frankfurt", "frankfurt_000001_000294", Kind.VALID);
        b.cityscapesPair("test", "berlin", "berlin_000000_000019", Kind.UNLABELLED);
        b.cityscapesPair("test", "berlin", "berlin_000001_000019", Kind.UNLABELLED);
        b.stray(root.resolve("leftImg8bit/train/aachen/README.txt"));
        b.stray(root.resolve("leftImg8bit/train/bochum/Thumbs.db"));
        return b.build(List.of("train", "val", "test"), List.of("test"));
    }

    /** ADEChallengeData2016: images/ and annotations/ for training (all defects) and validation. */
    public static Fixture ade20k(Path root) throws IOException {
        // PAPER.md "Dataset facts": 0 (other) -> ignore, 1..150 -> 0..149.
        Map<Integer, Integer> probes = probes(0, 255, 1, 0, 75, 74, 150, 149);
        Builder b = new Builder("ade20k", root, probes, 3, 2, 151);
        Kind[] kinds = {Kind.VALID, Kind.VALID, Kind.OUT_OF_RANGE, Kind.CORRUPT_IMAGE, Kind.TRUNCATED_MASK,
                Kind.WRONG_SIZE_MASK, Kind.MISSING_MASK};
        for (int i = 0; i < kinds.length; i++) {
            String stem = String.format("ADE_train_%08d", i + 1);
            b.pair("train", "train/" + stem, root.resolve("images/training/" + stem + ".jpg"),
                    root.resolve("annotations/training/" + stem + ".png"), kinds[i]);
        }
        for (int i = 0; i < 2; i++) {
            String stem = String.format("ADE_val_%08d", i + 1);
            b.pair("val", "val/" + stem, root.resolve("images/validation/" + stem + ".jpg"),
                    root.resolve("annotations/validation/" + stem + ".png"), Kind.VALID);
        }
        b.stray(root.resolve("images/training/README.txt"));
        b.stray(root.resolve("images/training/Thumbs.db"));
        return b.build(List.of("train", "val"), List.of());
    }

    /**
     * Pascal Context with its labels in {@code labelDir} and split lists in {@code splitDir}; train.txt
     * also names a stem whose JPEG is missing, and one JPEG is in no split list.
     */
    public static Fixture pascalContext(Path root, String labelDir, String splitDir) throws IOException {
        // PAPER.md "Dataset facts": 0 (background) -> ignore, 1..59 -> 0..58; 255 stays ignore.
        Map<Integer, Integer> probes = probes(0, 255, 1, 0, 30, 29, 59, 58, 255, 255);
        Builder b = new Builder("pascal-context", root, probes, 15, 14, 60);
        Kind[] kinds = {Kind.VALID, Kind.VALID, Kind.OUT_OF_RANGE, Kind.CORRUPT_IMAGE, Kind.TRUNCATED_MASK,
                Kind.WRONG_SIZE_MASK, Kind.MISSING_MASK};
        StringBuilder train = new StringBuilder();
        for (int i = 0; i < kinds.length; i++) {
            String stem = String.format("2008_%06d", i + 1);
            b.pair("train", "train/" + stem, root.resolve("JPEGImages/" + stem + ".jpg"),
                    root.resolve(labelDir + "/" + stem + ".png"), kinds[i]);
            train.append(stem).append('\n');
        }
        String noJpeg = "2008_000008";
        train.append(noJpeg).append("\n\n");
        b.defects.add(new Defect(root.resolve("JPEGImages/" + noJpeg + ".jpg"), "missing image"));
        b.pair("val", "val/2008_000010", root.resolve("JPEGImages/2008_000010.jpg"),
                root.resolve(labelDir + "/2008_000010.png"), Kind.VALID);
        b.pair("val", "val/2008_000011", root.resolve("JPEGImages/2008_000011.jpg"),
                root.resolve(labelDir + "/2008_000011.png"), Kind.VALID);
        // In VOC2010 but in neither context split: prep must leave it out without a skip.
        writeImage(root.resolve("JPEGImages/2008_000099.jpg"), 99);
        writeMask(root.resolve(labelDir + "/2008_000099.png"), HEIGHT, WIDTH, 15, Map.of(), 0, 0, false);
        write(root.resolve(splitDir + "/train.txt"), train.toString().getBytes(StandardCharsets.UTF_8));
        write(root.resolve(splitDir + "/val.txt"), "2008_000010\n2008_000011\n".getBytes(StandardCharsets.UTF_8));
        b.stray(root.resolve("JPEGImages/README.txt"));
        b.stray(root.resolve("JPEGImages/Thumbs.db"));
        return b.build(List.of("train", "val"), List.of());
    }

    private enum Kind { VALID, UNLABELLED, OUT_OF_RANGE, CORRUPT_IMAGE, TRUNCATED_MASK, WRONG_SIZE_MASK, MISSING_MASK }

    /** Writes pairs and remembers what prep should report for them. */
    private static final class Builder {
        final String layout;
        final Path root;
        final Map<Integer, Integer> probes;
        final int fillRaw;
        final int fillTrainId;
        final int outOfRangeRaw;
        final Map<String, List<String>> ids = new TreeMap<>();
        final List<Defect> defects = new ArrayList<>();
        Path outOfRangeMask;
        String outOfRangeId;
        int seed;
        boolean palettePending = true;

        Builder(String layout, Path root, Map<Integer, Integer> probes, int fillRaw, int fillTrainId, int outOfRangeRaw) {
            this.layout = layout;
            this.root = root;
            this.probes = probes;
            this.fillRaw = fillRaw;
            this.fillTrainId = fillTrainId;
            this.outOfRangeRaw = outOfRangeRaw;
        }

        void cityscapesPair(String split, String city, String stem, Kind kind) throws IOException {
            Path gt = root.resolve("gtFine/" + split + "/" + city);
            pair(split, split + "/" + city + "/" + stem, root.resolve("leftImg8bit/" + split + "/" + city + "/"
                    + stem + "_leftImg8bit.png"), gt.resolve(stem + "_gtFine_labelIds.png"), kind);
            // The other gtFine files of a real release, which prep must neither read nor report.
            write(gt.resolve(stem + "_gtFine_polygons.json"), "{}".getBytes(StandardCharsets.UTF_8));
            writeImage(gt.resolve(stem + "_gtFine_color.png"), seed++);
        }

        void pair(String split, String id, Path image, Path mask, Kind kind) throws IOException {
            switch (kind) {
                case CORRUPT_IMAGE -> {
                    byte[] junk = new byte[200];
                    new Random(seed++).nextBytes(junk);
                    write(image, junk);
                    writeMask(mask, HEIGHT, WIDTH, fillRaw, probes, 0, 0, false);
                    defects.add(new Defect(image, "corrupt image"));
                }
                case MISSING_MASK -> defects.add(new Defect(image, "missing mask"));
                case TRUNCATED_MASK -> {
                    byte[] png = maskBytes(HEIGHT, WIDTH, fillRaw, probes, 0, 0, false);
                    write(mask, Arrays.copyOf(png, png.length / 2));
                    defects.add(new Defect(mask, "corrupt mask"));
                }
                case WRONG_SIZE_MASK -> {
                    writeMask(mask, HEIGHT / 2, WIDTH / 2, fillRaw, Map.of(), 0, 0, false);
                    defects.add(new Defect(mask, "size mismatch"));
                }
                case UNLABELLED -> {
                    // Cityscapes' public test labels: placeholders that must not become masks.
                    writeMask(mask, HEIGHT, WIDTH, 0, Map.of(), 0, 0, false);
                    ids.computeIfAbsent(split, s -> new ArrayList<>()).add(id);
                }
                case VALID, OUT_OF_RANGE -> {
                    int bad = kind == Kind.OUT_OF_RANGE ? OUT_OF_RANGE_PIXELS : 0;
                    writeMask(mask, HEIGHT, WIDTH, fillRaw, probes, outOfRangeRaw, bad, palettePending);
                    palettePending = false;
                    ids.computeIfAbsent(split, s -> new ArrayList<>()).add(id);
                    if (bad > 0) {
                        outOfRangeMask = mask;
                        outOfRangeId = id;
                    }
                }
            }
            if (kind != Kind.CORRUPT_IMAGE) {
                writeImage(image, seed++);
            }
        }

        void stray(Path file) throws IOException {
            write(file, "not an image\n".getBytes(StandardCharsets.UTF_8));
            defects.add(new Defect(file, NOT_AN_IMAGE));
        }

        Fixture build(List<String> splits, List<String> unlabelled) {
            ids.values().forEach(l -> l.sort(String::compareTo));
            return new Fixture(layout, root, splits, ids, unlabelled, List.copyOf(defects), outOfRangeMask,
                    outOfRangeId, outOfRangeRaw, OUT_OF_RANGE_PIXELS, probes, fillRaw, fillTrainId);
        }
    }

    /** raw, trainId, raw, trainId, ... in column order. */
    private static Map<Integer, Integer> probes(int... pairs) {
        Map<Integer, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    /** An RGB image of seeded noise, PNG or JPEG by the file's extension. */
    public static void writeImage(Path file, int seed) throws IOException {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        write(file, encode(img, file.toString().endsWith(".png") ? "png" : "jpg"));
    }

    /** A one-band mask PNG: fill, probes along row 0, then {@code bad} pixels of {@code badRaw} on row 1. */
    public static void writeMask(Path file, int h, int w, int fill, Map<Integer, Integer> probes, int badRaw, int bad,
                                 boolean palette) throws IOException {
        write(file, maskBytes(h, w, fill, probes, badRaw, bad, palette));
    }

    private static byte[] maskBytes(int h, int w, int fill, Map<Integer, Integer> probes, int badRaw, int bad,
                                    boolean palette) {
        BufferedImage img = palette
                ? new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, palette())
                : new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        int[] v = new int[h * w];
        Arrays.fill(v, fill);
        int x = 0;
        for (int raw : probes.keySet()) {
            v[x++] = raw;
        }
        for (int i = 0; i < bad; i++) {
            v[w + i] = badRaw;
        }
        img.getRaster().setSamples(0, 0, w, h, 0, v);
        return encode(img, "png");
    }

    /** A 256-entry palette of distinct colours, as VOC-style label PNGs carry. */
    private static IndexColorModel palette() {
        byte[] r = new byte[256];
        byte[] g = new byte[256];
        byte[] b = new byte[256];
        for (int i = 0; i < 256; i++) {
            r[i] = (byte) (i * 37);
            g[i] = (byte) (i * 91);
            b[i] = (byte) i;
        }
        return new IndexColorModel(8, 256, r, g, b);
    }

    private static byte[] encode(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no " + format + " writer in this JVM");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }
}
