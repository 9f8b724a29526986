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
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Classification images, one class per folder or per tar: {@code ROOT/CLASS/*.{png,jpg}} and/or
 * {@code ROOT/CLASS.tar} (one split, "train"), or the same under {@code ROOT/SPLIT/} for the
 * requested splits. Class ids follow the sorted class names over all splits. Tars are listed here
 * and streamed on the executors, never unpacked to disk.
 * <p>
 * ImageNet-21k is this layout with WordNet synset names ({@code n01440764}): {@link #imagenet21k()}.
 */
public final class FolderClassesLayout implements DatasetLayout {
    public static final String NAME = "folder-classes";
    public static final String IMAGENET21K = "imagenet21k";
    private static final Pattern SYNSET = Pattern.compile("n\\d{8}");
    private static final String TAR = ".tar";

    private final String name;
    private final Pattern className;

    private FolderClassesLayout(String name, Pattern className) {
        this.name = name;
        this.className = className;
    }

    /** Any class names. */
    public static FolderClassesLayout folders() {
        return new FolderClassesLayout(NAME, null);
    }

    /** ImageNet-21k: one folder or one tar per WordNet synset (PAPER.md "Dataset facts"). */
    public static FolderClassesLayout imagenet21k() {
        return new FolderClassesLayout(IMAGENET21K, SYNSET);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Listing list(FileSystem fs, Path root, List<String> splits) throws IOException {
        Map<String, Path> splitDirs = new LinkedHashMap<>();
        for (String split : splits) {
            Path d = new Path(root, split);
            if (fs.exists(d) && fs.getFileStatus(d).isDirectory() && !isClass(split)) {
                splitDirs.put(split, d);
            }
        }
        if (splitDirs.isEmpty()) {
            splitDirs.put("train", root);
        }
        List<Skip> skips = new ArrayList<>();
        // split -> class -> its folder and/or tar
        Map<String, TreeMap<String, List<FileStatus>>> found = new LinkedHashMap<>();
        TreeMap<String, Integer> ids = new TreeMap<>();
        for (Map.Entry<String, Path> e : splitDirs.entrySet()) {
            TreeMap<String, List<FileStatus>> classes = new TreeMap<>();
            for (FileStatus s : Files.listSorted(fs, e.getValue())) {
                String n = s.getPath().getName();
                String cls = s.isDirectory() ? n : n.endsWith(TAR) ? n.substring(0, n.length() - TAR.length()) : null;
                if (cls == null || !isClass(cls)) {
                    skips.add(new Skip(s.getPath().toString(), (cls == null ? "not a class folder or tar: "
                            : "not a " + name + " class name: ") + n));
                    continue;
                }
                classes.computeIfAbsent(cls, k -> new ArrayList<>()).add(s);
                ids.put(cls, 0);
            }
            found.put(e.getKey(), classes);
        }
        if (ids.isEmpty()) {
            throw new IOException("no class folders or tars under " + root + " (" + name
                    + " layout: [SPLIT/]CLASS/*.jpg or [SPLIT/]CLASS.tar)");
        }
        List<String> names = new ArrayList<>(ids.keySet());
        for (int i = 0; i < names.size(); i++) {
            ids.put(names.get(i), i);
        }
        List<SourceItem> items = new ArrayList<>();
        for (Map.Entry<String, TreeMap<String, List<FileStatus>>> e : found.entrySet()) {
            String split = e.getKey();
            for (Map.Entry<String, List<FileStatus>> c : e.getValue().entrySet()) {
                int before = items.size();
                for (FileStatus s : c.getValue()) {
                    if (s.isDirectory()) {
                        listFolder(fs, split, c.getKey(), ids.get(c.getKey()), s.getPath(), items, skips);
                    } else {
                        items.add(new SourceItem(split, split + "/" + c.getKey(), s.getPath().toString(), null,
                                ids.get(c.getKey()), true));
                    }
                }
                if (items.size() == before) {
                    skips.add(new Skip(c.getValue().get(0).getPath().toString(), "empty class folder: " + c.getKey()));
                }
            }
        }
        Map<String, Object> info = new HashMap<>();
        info.put("layout", "[SPLIT/]CLASS/*.{png,jpg} or [SPLIT/]CLASS.tar; class ids follow sorted class names");
        info.put("splits", new ArrayList<>(splitDirs.keySet()));
        info.put("classes", names.size());
        return new Listing(items, skips, names, Map.of(), info);
    }

    private boolean isClass(String n) {
        return className == null || className.matcher(n).matches();
    }

    private static void listFolder(FileSystem fs, String split, String cls, int label, Path dir, List<SourceItem> items,
                                   List<Skip> skips) throws IOException {
        for (FileStatus f : Files.files(fs, dir)) {
            String n = f.getPath().getName();
            if (!Files.isImageName(n)) {
                skips.add(new Skip(f.getPath().toString(), "not an image file: " + n));
                continue;
            }
            items.add(new SourceItem(split, split + "/" + cls + "/" + Files.stem(n), f.getPath().toString(), null, label));
        }
    }

    @Override
    public LabelMap labelMap(Listing listing) {
        return LabelMap.identity(0);
    }
}
