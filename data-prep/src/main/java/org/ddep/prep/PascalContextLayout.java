package org.ddep.prep;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Pascal Context, 59-class setting (PAPER.md "Dataset facts"): VOC2010 {@code ROOT/JPEGImages/*.jpg}
 * with label PNGs in the first of {@link #LABEL_DIRS} that exists, and split lists
 * {@code ROOT/ImageSets/SegmentationContext/SPLIT.txt} (or {@code ImageSets/Segmentation/}), one stem
 * a line. The split lists decide what is read: JPEGs listed in no requested split are left out.
 * Both the 59-class PNGs and the common 60-class PNGs (0 = background) read through one mapping.
 */
public final class PascalContextLayout implements DatasetLayout {
    public static final String NAME = "pascal-context";
    static final int NUM_CLASSES = 59;
    static final String IMAGE_DIR = "JPEGImages";
    /** Names the converted 59-class label folder goes by, in order of preference. */
    static final List<String> LABEL_DIRS = List.of("SegmentationClassContext", "labels59", "SegmentationClass59");
    /** Where split lists live, in order of preference. */
    static final List<String> SPLIT_DIRS = List.of("ImageSets/SegmentationContext", "ImageSets/Segmentation");

    /** The 59 classes (mmsegmentation PascalContextDataset59); the comment is the raw label of the row's first name. */
    static final List<String> CLASS_NAMES = List.of(
            /*  1 */ "aeroplane", "bag", "bed", "bedclothes", "bench",
            /*  6 */ "bicycle", "bird", "boat", "book", "bottle",
            /* 11 */ "building", "bus", "cabinet", "car", "cat",
            /* 16 */ "ceiling", "chair", "cloth", "computer", "cow",
            /* 21 */ "cup", "curtain", "dog", "door", "fence",
            /* 26 */ "floor", "flower", "food", "grass", "ground",
            /* 31 */ "horse", "keyboard", "light", "motorbike", "mountain",
            /* 36 */ "mouse", "person", "plate", "platform", "pottedplant",
            /* 41 */ "road", "rock", "sheep", "shelves", "sidewalk",
            /* 46 */ "sign", "sky", "snow", "sofa", "table",
            /* 51 */ "track", "train", "tree", "truck", "tvmonitor",
            /* 56 */ "wall", "water", "window", "wood");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Listing list(FileSystem fs, Path root, List<String> splits) throws IOException {
        Path imageDir = new Path(root, IMAGE_DIR);
        if (!fs.exists(imageDir)) {
            throw new IOException("pascal-context: no " + IMAGE_DIR + " folder at " + fs.makeQualified(imageDir)
                    + " (layout: JPEGImages/*.jpg + " + LABEL_DIRS.get(0) + "/*.png + " + SPLIT_DIRS.get(0) + "/SPLIT.txt)");
        }
        String labelDirName = firstExisting(fs, root, LABEL_DIRS);
        if (labelDirName == null) {
            throw new IOException("pascal-context: no label folder under " + fs.makeQualified(root)
                    + "; looked for " + LABEL_DIRS);
        }
        Path labelDir = new Path(root, labelDirName);
        List<Skip> skips = new ArrayList<>();
        Map<String, String> images = imagesByStem(fs, imageDir, skips);
        Map<String, String> labels = labelsByStem(fs, labelDir);
        List<SourceItem> items = new ArrayList<>();
        Map<String, String> splitLists = new TreeMap<>();
        for (String split : new TreeSet<>(splits)) {
            String listName = splitList(fs, root, split);
            splitLists.put(split, listName);
            Path listFile = fs.makeQualified(new Path(root, listName));
            for (String stem : readStems(fs, listFile)) {
                String image = images.get(stem);
                String label = labels.get(stem);
                if (image == null) {
                    String expected = fs.makeQualified(new Path(imageDir, stem + ".jpg")).toString();
                    skips.add(new Skip(expected, "missing image: expected " + expected + " (listed in " + listFile + ")"));
                } else if (label == null) {
                    Path expected = fs.makeQualified(new Path(labelDir, stem + ".png"));
                    skips.add(new Skip(image, "missing mask: expected " + expected));
                } else {
                    items.add(new SourceItem(split, split + "/" + stem, image, label, null));
                }
            }
        }
        items.sort(Comparator.comparing(SourceItem::id));
        skips.sort(Comparator.comparing(Skip::path));
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("layout", "JPEGImages/*.jpg + " + labelDirName + "/*.png, split lists " + splitLists.values());
        info.put("splits", new ArrayList<>(splitLists.keySet()));
        info.put("label_folder", labelDirName);
        info.put("split_lists", splitLists);
        info.put("labels", "0 (background) -> ignore, 1..59 -> 0..58 (PAPER.md)");
        return new Listing(items, skips, CLASS_NAMES, Map.of(), info);
    }

    /** Stem to path of every image in JPEGImages; other files there are skips. */
    private static Map<String, String> imagesByStem(FileSystem fs, Path dir, List<Skip> skips) throws IOException {
        Map<String, String> out = new HashMap<>();
        for (FileStatus f : Files.files(fs, dir)) {
            String name = f.getPath().getName();
            if (Files.isImageName(name)) {
                out.put(Files.stem(name), f.getPath().toString());
            } else {
                skips.add(new Skip(f.getPath().toString(), "not an image file: " + name));
            }
        }
        return out;
    }

    private static Map<String, String> labelsByStem(FileSystem fs, Path dir) throws IOException {
        Map<String, String> out = new HashMap<>();
        for (FileStatus f : Files.files(fs, dir)) {
            if (f.getPath().getName().endsWith(".png")) {
                out.put(Files.stem(f.getPath().getName()), f.getPath().toString());
            }
        }
        return out;
    }

    private static String firstExisting(FileSystem fs, Path root, List<String> names) throws IOException {
        for (String n : names) {
            Path p = new Path(root, n);
            if (fs.exists(p) && fs.getFileStatus(p).isDirectory()) {
                return n;
            }
        }
        return null;
    }

    /** The split list to read for {@code split}, relative to the root. */
    private static String splitList(FileSystem fs, Path root, String split) throws IOException {
        List<String> tried = new ArrayList<>();
        for (String dir : SPLIT_DIRS) {
            String name = dir + "/" + split + ".txt";
            Path p = new Path(root, name);
            if (fs.exists(p)) {
                return name;
            }
            tried.add(fs.makeQualified(p).toString());
        }
        throw new IOException("pascal-context: no split list for requested split '" + split + "'; looked for " + tried);
    }

    /** The stems a split list names, sorted and de-duplicated; blank lines are ignored. */
    private static TreeSet<String> readStems(FileSystem fs, Path file) throws IOException {
        TreeSet<String> stems = new TreeSet<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                line = line.strip();
                if (!line.isEmpty()) {
                    // VOC lists may carry a second column (e.g. " 1" in per-class lists): the stem comes first.
                    stems.add(line.split("\\s+")[0]);
                }
            }
        }
        return stems;
    }

    @Override
    public LabelMap labelMap(Listing listing) {
        return shiftedDown();
    }

    /**
     * PAPER.md "Dataset facts": 0 (background) -> ignore, 1..59 -> 0..58. 255 stays ignore (boundary
     * pixels in some conversions); anything else above 59 is out of range.
     */
    static LabelMap shiftedDown() {
        return LabelMap.zeroIgnoredShiftedDown(NUM_CLASSES, true);
    }
}
