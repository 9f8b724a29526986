package org.ddep.config;

import com.typesafe.config.Config;

import java.util.List;
import java.util.Set;

/** {@code ddep.finetune}: fine-tuning on a fraction of the labels (PAPER.md "Fine-tuning"). */
public record FinetuneSettings(StageSchedule schedule, List<Double> labelFractions, List<String> variants) {
    public static final String DDEP = "ddep";
    public static final String RANDOM_DECODER = "random-decoder";

    /** The paper's Adam rate by decoder width: 6e-5 at 1x and 3x, 1e-4 at 2x (PAPER.md "Fine-tuning"). */
    public static double paperLearningRate(int decoderWidth) {
        return decoderWidth == 2 ? 1e-4 : 6e-5;
    }

    static FinetuneSettings from(Config root, ModelSpec model) {
        StageSchedule raw = StageSchedule.from(root, "finetune", "crop", true);
        double lr = raw.learningRate() == 0 ? paperLearningRate(model.decoderWidth()) : raw.learningRate();
        StageSchedule s = new StageSchedule(raw.stage(), raw.epochs(), raw.globalBatch(), lr, raw.imageSize(), raw.flip());
        Section sec = new Section(root, "ddep.finetune");
        List<String> variants = sec.stringList("variants", Set.of(DDEP, RANDOM_DECODER));
        if (variants.isEmpty()) {
            throw ConfigError.of(sec.key("variants"), variants, "at least one of [ddep, random-decoder]");
        }
        return new FinetuneSettings(s, sec.doubleList("label-fractions", 0, 1), variants);
    }
}
