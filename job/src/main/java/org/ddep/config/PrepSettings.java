package org.ddep.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import org.ddep.prep.Layouts;
import org.ddep.prep.PixelStorage;
import org.ddep.prep.Resize;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** {@code ddep.prep}: the datasets the prep stage shards, and its limits. */
public record PrepSettings(List<Source> sources, long targetFileBytes, double maxSkipFraction) {
    /** One dataset to shard: its shard name, source layout, input URI, splits, optional resize and pixel storage. */
    public record Source(String name, String layout, String input, List<String> splits, Resize resize,
                         PixelStorage pixels) {
    }

    private static final Set<String> SOURCE_KEYS = Set.of("name", "layout", "input", "splits", "max-side", "short-side",
            "pixels");

    static PrepSettings from(Config root) {
        Section s = new Section(root, "ddep.prep");
        List<Source> sources = new ArrayList<>();
        List<? extends Config> list;
        try {
            list = s.raw().getConfigList("sources");
        } catch (ConfigException.WrongType e) {
            throw ConfigError.of(s.key("sources"), s.raw().getValue("sources").unwrapped(),
                    "a list of { name, layout, input, splits }");
        }
        for (int i = 0; i < list.size(); i++) {
            Config c = list.get(i);
            String at = s.key("sources") + "[" + i + "]";
            for (String k : c.root().keySet()) {
                if (!SOURCE_KEYS.contains(k)) {
                    throw ConfigError.of(at + "." + k, c.getValue(k).unwrapped(), "not a key; allowed: " + SOURCE_KEYS);
                }
            }
            for (String k : List.of("name", "layout", "input")) {
                if (!c.hasPath(k) || c.getString(k).isBlank()) {
                    throw ConfigError.of(at + "." + k, "(missing)", "required");
                }
            }
            String layout = c.getString("layout");
            if (!Layouts.names().contains(layout)) {
                throw ConfigError.of(at + ".layout", layout, "one of " + Layouts.names());
            }
            List<String> splits = c.hasPath("splits") ? c.getStringList("splits") : List.of("train", "val");
            int maxSide = c.hasPath("max-side") ? c.getInt("max-side") : 0;
            int shortSide = c.hasPath("short-side") ? c.getInt("short-side") : 0;
            if (maxSide < 0 || shortSide < 0) {
                throw ConfigError.of(at + (maxSide < 0 ? ".max-side" : ".short-side"), Math.min(maxSide, shortSide),
                        "a side in pixels, or 0 for no resize");
            }
            PixelStorage pixels;
            try {
                pixels = c.hasPath("pixels") ? PixelStorage.of(c.getString("pixels")) : PixelStorage.ENCODED;
            } catch (IllegalArgumentException | ConfigException.WrongType e) {
                throw ConfigError.of(at + ".pixels", c.getValue("pixels").unwrapped(), "one of " + PixelStorage.names());
            }
            sources.add(new Source(c.getString("name"), layout, c.getString("input"), List.copyOf(splits),
                    new Resize(maxSide, shortSide), pixels));
        }
        long mb = s.intIn("target-file-mb", 1, 4096);
        return new PrepSettings(List.copyOf(sources), mb * 1024 * 1024, s.doubleIn("max-skip-fraction", 0, 1, true));
    }
}
