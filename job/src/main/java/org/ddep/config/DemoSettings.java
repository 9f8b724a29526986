package org.ddep.config;

import com.typesafe.config.Config;

/** {@code ddep.demo}: size of the built-in generated dataset. */
public record DemoSettings(int imageSize, int pretrainImages, int trainImages, int valImages) {
    static DemoSettings from(Config root) {
        Section s = new Section(root, "ddep.demo");
        return new DemoSettings(s.intIn("image-size", 16, 1024), s.intIn("pretrain-images", 1, 10_000_000),
                s.intIn("train-images", 1, 10_000_000), s.intIn("val-images", 1, 10_000_000));
    }
}
