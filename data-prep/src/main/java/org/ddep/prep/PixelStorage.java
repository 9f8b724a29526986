package org.ddep.prep;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How a prep source's shards hold their pixels: {@code encoded} (the source's JPEG or PNG bytes,
 * re-encoded only when resized; masks as 8-bit grey PNG) or {@code raw} ({@link RawPixels}: decoded
 * once at prep, so training reads pixels without decoding, at the cost of more bytes per row).
 */
public enum PixelStorage {
    ENCODED, RAW;

    public static List<String> names() {
        return Arrays.stream(values()).map(PixelStorage::configName).toList();
    }

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PixelStorage of(String name) {
        for (PixelStorage p : values()) {
            if (p.configName().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("pixels must be one of " + names() + ", got " + name);
    }
}
