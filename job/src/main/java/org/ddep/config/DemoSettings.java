package org.ddep.config;

import com.typesafe.config.Config;

import java.util.Set;

/**
 * {@code ddep.demo}: size and kind of the built-in generated dataset.
 *
 * @param style {@link #SHAPES} (flat textured shapes, the quick demo) or {@link #DEAD_LEAVES}
 *              (occluding shapes with power-law sizes and 1/f textures, the benchmark's)
 */
public record DemoSettings(int imageSize, int pretrainImages, int trainImages, int valImages, String style) {
    public static final String SHAPES = "shapes";
    public static final String DEAD_LEAVES = "dead-leaves";

    static DemoSettings from(Config root) {
        Section s = new Section(root, "ddep.demo");
        return new DemoSettings(s.intIn("image-size", 16, 1024), s.intIn("pretrain-images", 1, 10_000_000),
                s.intIn("train-images", 1, 10_000_000), s.intIn("val-images", 1, 10_000_000),
                s.oneOf("style", Set.of(SHAPES, DEAD_LEAVES)));
    }
}
