package org.ddep.config;

import com.typesafe.config.Config;

import java.util.Set;

/** {@code ddep.model}: which architecture, at which decoder width (PAPER.md "Models"). */
public record ModelSpec(String arch, int decoderWidth, int baseChannels, int depth) {
    public static final Set<String> ARCHS = Set.of("unet");

    public ModelSpec {
        if (!ARCHS.contains(arch)) {
            throw ConfigError.of("ddep.model.arch", arch, "one of " + ARCHS);
        }
    }

    /** Input sides must divide by this (one 2x2 pooling per level). */
    public int inputDivisor() {
        return 1 << depth;
    }

    static ModelSpec from(Config root) {
        Section s = new Section(root, "ddep.model");
        Section u = new Section(root, "ddep.model.unet");
        return new ModelSpec(s.oneOf("arch", ARCHS), s.intIn("decoder-width", 1, 3), u.intIn("base-channels", 1, 1024),
                u.intIn("depth", 1, 6));
    }
}
