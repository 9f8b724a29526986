package org.ddep.prep;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Cityscapes (PAPER.md "Dataset facts"): {@code ROOT/leftImg8bit/SPLIT/CITY/*_leftImg8bit.png} with
 * fine labels {@code ROOT/gtFine/SPLIT/CITY/*_gtFine_labelIds.png}. Label ids become the 19 train
 * ids. The public test labels are placeholders, so test images are kept unlabelled (mask null).
 */
public final class CityscapesLayout implements DatasetLayout {
    public static final String NAME = "cityscapes";
    static final String IMAGE_SUFFIX = "_leftImg8bit.png";
    static final String MASK_SUFFIX = "_gtFine_labelIds.png";
    /** The split whose gtFine files carry no usable classes. */
    static final String UNLABELLED_SPLIT = "test";
    /** Highest label id Cityscapes defines (bicycle). License plate's id -1 is 255 in a uint8 PNG. */
    static final int MAX_LABEL_ID = 33;
    private static final int UNDEFINED = -1;

    /** The label id of each train id 0..18, PAPER.md "Dataset facts". */
    private static final int[] LABEL_ID_OF_TRAIN_ID =
            {7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33};

    static final List<String> CLASS_NAMES = List.of("road", "sidewalk", "building", "wall", "fence", "pole",
            "traffic light", "traffic sign", "vegetation", "terrain", "sky", "person", "rider", "car", "truck",
            "bus", "train", "motorcycle", "bicycle");

    /** The official colours (cityscapesScripts labels.py), RGB, in train id order. */
    private static final int[][] COLOURS = {
            {128, 64, 128}, {244, 35, 232}, {70, 70, 70}, {102, 102, 156}, {190, 153, 153}, {153, 153, 153},
            {250, 170, 30}, {220, 220, 0}, {107, 142, 35}, {152, 251, 152}, {70, 130, 180}, {220, 20, 60},
            {255, 0, 0}, {0, 0, 142}, {0, 0, 70}, {0, 60, 100}, {0, 80, 100}, {0, 0, 230}, {119, 11, 32}};

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Listing list(FileSystem fs, Path root, List<String> splits) throws IOException {
        List<SourceItem> items = new ArrayList<>();
        List<Skip> skips = new ArrayList<>();
        TreeSet<String> wanted = new TreeSet<>(splits);
        for (String split : wanted) {
            Path imageDir = new Path(root, "leftImg8bit/" + split);
            if (!fs.exists(imageDir)) {
                throw new IOException("cityscapes: requested split '" + split + "' has no folder "
                        + fs.makeQualified(imageDir) + " (layout: leftImg8bit/SPLIT/CITY/*" + IMAGE_SUFFIX + ")");
            }
            Path maskDir = UNLABELLED_SPLIT.equals(split) ? null : new Path(root, "gtFine/" + split);
            listSplit(fs, split, imageDir, maskDir, items, skips);
        }
        items.sort(Comparator.comparing(SourceItem::id));
        skips.sort(Comparator.comparing(Skip::path));
        Map<String, String> colours = new LinkedHashMap<>();
        for (int i = 0; i < CLASS_NAMES.size(); i++) {
            colours.put(CLASS_NAMES.get(i), String.format("#%02x%02x%02x", COLOURS[i][0], COLOURS[i][1], COLOURS[i][2]));
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("layout", "leftImg8bit/SPLIT/CITY/*" + IMAGE_SUFFIX + " + gtFine/SPLIT/CITY/*" + MASK_SUFFIX);
        info.put("splits", new ArrayList<>(wanted));
        info.put("labels", "gtFine labelIds -> 19 train ids, others -> ignore (PAPER.md)");
        if (wanted.contains(UNLABELLED_SPLIT)) {
            info.put("unlabelled_splits", List.of(UNLABELLED_SPLIT));
        }
        return new Listing(items, skips, CLASS_NAMES, colours, info);
    }

    /** One split: every city folder's images, each paired with its labelIds file unless maskDir is null. */
    private static void listSplit(FileSystem fs, String split, Path imageDir, Path maskDir, List<SourceItem> items,
                                  List<Skip> skips) throws IOException {
        for (FileStatus entry : Files.listSorted(fs, imageDir)) {
            String name = entry.getPath().getName();
            if (!entry.isDirectory()) {
                skips.add(new Skip(entry.getPath().toString(), Files.isImageName(name)
                        ? "outside a city folder: " + name + " (expected leftImg8bit/" + split + "/CITY/" + name + ")"
                        : "not an image file: " + name));
                continue;
            }
            Path cityMasks = maskDir == null ? null : new Path(maskDir, name);
            Map<String, String> masks = maskDir == null ? Map.of() : masksByName(fs, cityMasks);
            for (FileStatus f : Files.files(fs, entry.getPath())) {
                String file = f.getPath().getName();
                String path = f.getPath().toString();
                if (!Files.isImageName(file)) {
                    skips.add(new Skip(path, "not an image file: " + file));
                    continue;
                }
                if (!file.endsWith(IMAGE_SUFFIX)) {
                    skips.add(new Skip(path, "not a cityscapes image name: expected *" + IMAGE_SUFFIX + ", got " + file));
                    continue;
                }
                String stem = file.substring(0, file.length() - IMAGE_SUFFIX.length());
                String mask = null;
                if (cityMasks != null) {
                    mask = masks.get(stem + MASK_SUFFIX);
                    if (mask == null) {
                        skips.add(new Skip(path, "missing mask: expected "
                                + fs.makeQualified(new Path(cityMasks, stem + MASK_SUFFIX))));
                        continue;
                    }
                }
                items.add(new SourceItem(split, split + "/" + name + "/" + stem, path, mask, null));
            }
        }
    }

    /** File name to path of every file in a gtFine city folder (none if the folder is missing). */
    private static Map<String, String> masksByName(FileSystem fs, Path dir) throws IOException {
        Map<String, String> out = new HashMap<>();
        if (fs.exists(dir)) {
            for (FileStatus m : Files.files(fs, dir)) {
                out.put(m.getPath().getName(), m.getPath().toString());
            }
        }
        return out;
    }

    @Override
    public LabelMap labelMap(Listing listing) {
        return trainIds();
    }

    /** labelId -> trainId as PAPER.md "Dataset facts"; ids 0..33 without a train class and -1 (255) -> ignore. */
    static LabelMap trainIds() {
        int[] table = new int[256];
        Arrays.fill(table, UNDEFINED);
        Arrays.fill(table, 0, MAX_LABEL_ID + 1, ShardSchema.IGNORE);
        table[ShardSchema.IGNORE] = ShardSchema.IGNORE;
        for (int trainId = 0; trainId < LABEL_ID_OF_TRAIN_ID.length; trainId++) {
            table[LABEL_ID_OF_TRAIN_ID[trainId]] = trainId;
        }
        return LabelMap.of(table);
    }
}
