package org.ddep.config;

import com.typesafe.config.Config;

/** {@code ddep.data}: which shard datasets the stages read. {@code shards} empty means {@code <run>/shards}. */
public record DataSettings(String shards, String pretrainDataset, String segmentationDataset, String trainSplit,
                           String evalSplit) {
    static DataSettings from(Config root) {
        Section s = new Section(root, "ddep.data");
        return new DataSettings(s.string("shards"), nonEmpty(s, "pretrain-dataset"), nonEmpty(s, "segmentation-dataset"),
                nonEmpty(s, "train-split"), nonEmpty(s, "eval-split"));
    }

    private static String nonEmpty(Section s, String k) {
        String v = s.string(k);
        if (v.isBlank()) {
            throw ConfigError.of(s.key(k), "\"\"", "a non-empty name");
        }
        return v;
    }
}
