package org.ddep.prep;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Classification images, one folder per class: {@code ROOT/CLASS/*.{png,jpg}} (one split, "train"),
 * or {@code ROOT/SPLIT/CLASS/*} for the requested splits. Class ids follow the sorted folder names
 * over all splits, as ImageNet's synset ids do.
 */
public final class FolderClassesLayout implements DatasetLayout {
    public static final String NAME = "folder-classes";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Listing list(FileSystem fs, Path root, List<String> splits) throws IOException {
        Map<String, Path> splitDirs = new LinkedHashMap<>();
        for (String split : splits) {
            Path d = new Path(root, split);
            if (fs.exists(d) && fs.getFileStatus(d).isDirectory()) {
                splitDirs.put(split, d);
            }
        }
        if (splitDirs.isEmpty()) {
            splitDirs.put("train", root);
        }
        TreeSet<String> classes = new TreeSet<>();
        for (Path d : splitDirs.values()) {
            for (FileStatus c : Files.dirs(fs, d)) {
                classes.add(c.getPath().getName());
            }
        }
        if (classes.isEmpty()) {
            throw new IOException("no class folders under " + root + " (folder-classes layout: [SPLIT/]CLASS/*.jpg)");
        }
        List<String> names = new ArrayList<>(classes);
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            ids.put(names.get(i), i);
        }
        List<SourceItem> items = new ArrayList<>();
        List<Skip> skips = new ArrayList<>();
        for (Map.Entry<String, Path> e : splitDirs.entrySet()) {
            for (FileStatus c : Files.dirs(fs, e.getValue())) {
                String cls = c.getPath().getName();
                int found = 0;
                for (FileStatus f : Files.files(fs, c.getPath())) {
                    String name = f.getPath().getName();
                    if (!Files.isImageName(name)) {
                        skips.add(new Skip(f.getPath().toString(), "not an image file: " + name));
                        continue;
                    }
                    found++;
                    items.add(new SourceItem(e.getKey(), e.getKey() + "/" + cls + "/" + Files.stem(name),
                            f.getPath().toString(), null, ids.get(cls)));
                }
                if (found == 0) {
                    skips.add(new Skip(c.getPath().toString(), "empty class folder: " + cls));
                }
            }
        }
        Map<String, Object> info = new HashMap<>();
        info.put("layout", "[SPLIT/]CLASS/*.{png,jpg}");
        info.put("splits", new ArrayList<>(splitDirs.keySet()));
        return new Listing(items, skips, names, Map.of(), info);
    }

    @Override
    public LabelMap labelMap(Listing listing) {
        return LabelMap.identity(0);
    }
}
