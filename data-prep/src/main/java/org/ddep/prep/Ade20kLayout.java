package org.ddep.prep;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * ADE20K as released for the scene parsing challenge (ADEChallengeData2016, PAPER.md "Dataset
 * facts"): {@code ROOT/images/{training,validation}/*.jpg} with
 * {@code ROOT/annotations/{training,validation}/*.png}. Users name the splits train and val (the
 * folder names are accepted too); shards always use train and val, the names training reads.
 */
public final class Ade20kLayout implements DatasetLayout {
    public static final String NAME = "ade20k";
    static final int NUM_CLASSES = 150;

    /** Split name users pass (or the folder's own name) -> ADEChallengeData2016 folder. */
    private static final Map<String, String> FOLDER_OF_SPLIT = Map.of(
            "train", "training", "training", "training",
            "val", "validation", "validation", "validation");
    /** Folder -> the split name shards use. */
    private static final Map<String, String> SPLIT_OF_FOLDER = Map.of("training", "train", "validation", "val");

    /** The 150 SceneParsing classes (objectInfo150); the comment is the raw label of the row's first name. */
    static final List<String> CLASS_NAMES = List.of(
            /*   1 */ "wall", "building", "sky", "floor", "tree",
            /*   6 */ "ceiling", "road", "bed", "windowpane", "grass",
            /*  11 */ "cabinet", "sidewalk", "person", "earth", "door",
            /*  16 */ "table", "mountain", "plant", "curtain", "chair",
            /*  21 */ "car", "water", "painting", "sofa", "shelf",
            /*  26 */ "house", "sea", "mirror", "rug", "field",
            /*  31 */ "armchair", "seat", "fence", "desk", "rock",
            /*  36 */ "wardrobe", "lamp", "bathtub", "railing", "cushion",
            /*  41 */ "base", "box", "column", "signboard", "chest of drawers",
            /*  46 */ "counter", "sand", "sink", "skyscraper", "fireplace",
            /*  51 */ "refrigerator", "grandstand", "path", "stairs", "runway",
            /*  56 */ "case", "pool table", "pillow", "screen door", "stairway",
            /*  61 */ "river", "bridge", "bookcase", "blind", "coffee table",
            /*  66 */ "toilet", "flower", "book", "hill", "bench",
            /*  71 */ "countertop", "stove", "palm", "kitchen island", "computer",
            /*  76 */ "swivel chair", "boat", "bar", "arcade machine", "hovel",
            /*  81 */ "bus", "towel", "light", "truck", "tower",
            /*  86 */ "chandelier", "awning", "streetlight", "booth", "television receiver",
            /*  91 */ "airplane", "dirt track", "apparel", "pole", "land",
            /*  96 */ "bannister", "escalator", "ottoman", "bottle", "buffet",
            /* 101 */ "poster", "stage", "van", "ship", "fountain",
            /* 106 */ "conveyer belt", "canopy", "washer", "plaything", "swimming pool",
            /* 111 */ "stool", "barrel", "basket", "waterfall", "tent",
            /* 116 */ "bag", "minibike", "cradle", "oven", "ball",
            /* 121 */ "food", "step", "tank", "trade name", "microwave",
            /* 126 */ "pot", "animal", "bicycle", "lake", "dishwasher",
            /* 131 */ "screen", "blanket", "sculpture", "hood", "sconce",
            /* 136 */ "vase", "traffic light", "tray", "ashcan", "fan",
            /* 141 */ "pier", "crt screen", "plate", "monitor", "bulletin board",
            /* 146 */ "shower", "radiator", "glass", "clock", "flag");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Listing list(FileSystem fs, Path root, List<String> splits) throws IOException {
        Map<String, String> folders = new TreeMap<>();
        for (String split : splits) {
            String folder = FOLDER_OF_SPLIT.get(split);
            if (folder == null) {
                throw new IOException("ade20k: unknown split '" + split + "' for " + root
                        + "; known: train (images/training), val (images/validation)");
            }
            folders.put(folder, SPLIT_OF_FOLDER.get(folder));
        }
        List<SourceItem> items = new ArrayList<>();
        List<Skip> skips = new ArrayList<>();
        for (Map.Entry<String, String> e : folders.entrySet()) {
            Path imageDir = new Path(root, "images/" + e.getKey());
            if (!fs.exists(imageDir)) {
                throw new IOException("ade20k: split '" + e.getValue() + "' has no folder " + fs.makeQualified(imageDir)
                        + " (layout: ADEChallengeData2016 images/{training,validation}/*.jpg)");
            }
            listSplit(fs, e.getValue(), imageDir, new Path(root, "annotations/" + e.getKey()), items, skips);
        }
        items.sort(Comparator.comparing(SourceItem::id));
        skips.sort(Comparator.comparing(Skip::path));
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("layout", "ADEChallengeData2016: images/FOLDER/*.jpg + annotations/FOLDER/*.png");
        info.put("splits", new ArrayList<>(folders.values()));
        info.put("folders", new ArrayList<>(folders.keySet()));
        info.put("labels", "0 (other) -> ignore, 1..150 -> 0..149 (PAPER.md)");
        return new Listing(items, skips, CLASS_NAMES, Map.of(), info);
    }

    private static void listSplit(FileSystem fs, String split, Path imageDir, Path maskDir, List<SourceItem> items,
                                  List<Skip> skips) throws IOException {
        // A missing annotations folder leaves every image without its mask: each is a skip, so the
        // run fails on the skip threshold naming the expected path instead of shipping unlabelled data.
        Map<String, String> masks = new HashMap<>();
        if (fs.exists(maskDir)) {
            for (FileStatus m : Files.files(fs, maskDir)) {
                masks.put(m.getPath().getName(), m.getPath().toString());
            }
        }
        for (FileStatus f : Files.files(fs, imageDir)) {
            String name = f.getPath().getName();
            String path = f.getPath().toString();
            if (!Files.isImageName(name)) {
                skips.add(new Skip(path, "not an image file: " + name));
                continue;
            }
            String stem = Files.stem(name);
            String mask = masks.get(stem + ".png");
            if (mask == null) {
                skips.add(new Skip(path, "missing mask: expected " + fs.makeQualified(new Path(maskDir, stem + ".png"))));
                continue;
            }
            items.add(new SourceItem(split, split + "/" + stem, path, mask, null));
        }
    }

    @Override
    public LabelMap labelMap(Listing listing) {
        return shiftedDown();
    }

    /**
     * PAPER.md "Dataset facts": 0 ("other") -> ignore, 1..150 -> 0..149. Raw masks never hold 151..255,
     * not even 255, so those are out of range (e.g. masks already shifted by another tool).
     */
    static LabelMap shiftedDown() {
        return LabelMap.zeroIgnoredShiftedDown(NUM_CLASSES, false);
    }
}
