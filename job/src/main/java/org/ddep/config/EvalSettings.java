package org.ddep.config;

import com.typesafe.config.Config;

/** {@code ddep.evaluate}: test-time augmentation and batching of evaluation. */
public record EvalSettings(boolean flip, int batchSize) {
    static EvalSettings from(Config root) {
        Section s = new Section(root, "ddep.evaluate");
        return new EvalSettings(s.bool("flip"), s.intIn("batch-size", 1, 4096));
    }
}
