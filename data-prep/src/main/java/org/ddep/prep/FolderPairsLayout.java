package org.ddep.prep;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Any folder of image/mask pairs: {@code ROOT/SPLIT/images/NAME.{png,jpg}} with
 * {@code ROOT/SPLIT/masks/NAME.png} (or {@code ROOT/images} + {@code ROOT/masks} for one split,
 * "train"). Masks hold train ids, 255 = ignore. An optional {@code ROOT/classes.txt} names the
 * classes, one per line in id order, optionally followed by a colour: {@code road #804080}.
 * A split with no masks folder is unlabelled (mask null).
 */
public final class FolderPairsLayout implements DatasetLayout {
    public static final String NAME = "folder-pairs";
    static final String CLASSES_FILE = "classes.txt";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Listing list(FileSystem fs, Path root, List<String> splits) throws IOException {
        List<SourceItem> items = new ArrayList<>();
        List<Skip> skips = new ArrayList<>();
        Map<String, Path> splitDirs = new LinkedHashMap<>();
        for (String split : splits) {
            Path d = new Path(root, split);
            if (fs.exists(new Path(d, "images"))) {
                splitDirs.put(split, d);
            }
        }
        if (splitDirs.isEmpty() && fs.exists(new Path(root, "images"))) {
            splitDirs.put("train", root);
        }
        if (splitDirs.isEmpty()) {
            throw new IOException("no images/ folder under " + root + " nor under any of " + splits.stream()
                    .map(s -> root + "/" + s).toList() + " (folder-pairs layout: SPLIT/images + SPLIT/masks)");
        }
        for (Map.Entry<String, Path> e : splitDirs.entrySet()) {
            listSplit(fs, e.getKey(), e.getValue(), items, skips);
        }
        List<String> names = new ArrayList<>();
        Map<String, String> colours = new LinkedHashMap<>();
        readClasses(fs, new Path(root, CLASSES_FILE), names, colours);
        Map<String, Object> info = new HashMap<>();
        info.put("layout", "SPLIT/images/*.{png,jpg} + SPLIT/masks/*.png");
        info.put("splits", new ArrayList<>(splitDirs.keySet()));
        return new Listing(items, skips, names, colours, info);
    }

    private static void listSplit(FileSystem fs, String split, Path dir, List<SourceItem> items, List<Skip> skips)
            throws IOException {
        Path masksDir = new Path(dir, "masks");
        boolean labelled = fs.exists(masksDir);
        Map<String, Path> masks = new HashMap<>();
        if (labelled) {
            for (FileStatus m : Files.files(fs, masksDir)) {
                masks.put(Files.stem(m.getPath().getName()), m.getPath());
            }
        }
        for (FileStatus f : Files.files(fs, new Path(dir, "images"))) {
            String name = f.getPath().getName();
            if (!Files.isImageName(name)) {
                skips.add(new Skip(f.getPath().toString(), "not an image file: " + name));
                continue;
            }
            String stem = Files.stem(name);
            Path mask = masks.get(stem);
            if (labelled && mask == null) {
                skips.add(new Skip(f.getPath().toString(), "missing mask: expected " + masksDir + "/" + stem + ".png"));
                continue;
            }
            items.add(new SourceItem(split, split + "/" + stem, f.getPath().toString(),
                    mask == null ? null : mask.toString(), null));
        }
    }

    private static void readClasses(FileSystem fs, Path file, List<String> names, Map<String, String> colours)
            throws IOException {
        if (!fs.exists(file)) {
            return;
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\\s+");
                String name = parts[0];
                names.add(name);
                if (parts.length > 1) {
                    if (!parts[1].matches("#[0-9a-fA-F]{6}")) {
                        throw new IOException(file + " line " + n + ": colour must look like #rrggbb, got '" + parts[1] + "'");
                    }
                    colours.put(name, parts[1].toLowerCase());
                }
            }
        }
        if (names.size() > ShardSchema.IGNORE) {
            throw new IOException(file + ": at most 255 classes fit in a uint8 mask, found " + names.size());
        }
    }

    @Override
    public LabelMap labelMap(Listing listing) {
        // Without a classes file every value below 255 is a class; names are filled in from the data.
        return LabelMap.identity(listing.classNames().isEmpty() ? ShardSchema.IGNORE : listing.classNames().size());
    }
}
