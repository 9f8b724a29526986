package org.ddep.prep;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The dataset layouts prep understands, by the name users pass to {@code --dataset}. */
public final class Layouts {
    private static final Map<String, Supplier<DatasetLayout>> LAYOUTS = new TreeMap<>(Map.of(
            FolderPairsLayout.NAME, FolderPairsLayout::new,
            FolderClassesLayout.NAME, FolderClassesLayout::folders,
            FolderClassesLayout.IMAGENET21K, FolderClassesLayout::imagenet21k,
            CityscapesLayout.NAME, CityscapesLayout::new,
            Ade20kLayout.NAME, Ade20kLayout::new,
            PascalContextLayout.NAME, PascalContextLayout::new));

    private Layouts() {
    }

    public static DatasetLayout byName(String name) {
        Supplier<DatasetLayout> s = LAYOUTS.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown dataset layout '" + name + "'; known: " + LAYOUTS.keySet());
        }
        return s.get();
    }

    public static Set<String> names() {
        return Collections.unmodifiableSet(LAYOUTS.keySet());
    }
}
