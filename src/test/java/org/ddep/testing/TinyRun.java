package org.ddep.testing;

import org.ddep.config.ConfigLoader;
import org.ddep.config.DdepConfig;
import org.ddep.stage.DemoData;
import org.ddep.stage.Pipeline;
import org.deeplearning4j.spark.api.TrainingHook;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The demo pipeline shrunk to seconds: generated scenes in real layouts, a tiny UNet, one or two epochs. */
public final class TinyRun {
    private TinyRun() {
    }

    public static final List<String> SETTINGS = List.of(
            "demo.image-size=32", "demo.pretrain-images=48", "demo.train-images=40", "demo.val-images=8",
            "model.unet.base-channels=4", "model.unet.depth=2",
            "pretrain-encoder.epochs=1", "pretrain-encoder.image-size=32", "pretrain-encoder.batch-size=8",
            "pretrain-decoder.epochs=2", "pretrain-decoder.image-size=32", "pretrain-decoder.batch-size=8",
            "finetune.epochs=2", "finetune.batch-size=4", "finetune.crop=24", "finetune.label-fractions=[0.5]",
            "train.averaging-frequency=2", "report.samples=2");

    public static DdepConfig config(String... more) {
        List<String> all = new ArrayList<>(SETTINGS);
        all.addAll(List.of(more));
        return ConfigLoader.loadResource("demo.conf", all);
    }

    /** A pipeline over {@code dir} with its demo data generated. */
    public static Pipeline pipeline(Path dir, DdepConfig c, List<TrainingHook> hooks) throws Exception {
        Pipeline p = new Pipeline(c, dir.toUri().toString(), LocalSpark.get(), hooks);
        DemoData.ensure(p.context());
        return p;
    }
}
