package org.ddep.cli;

import org.ddep.config.ConfigError;
import org.ddep.config.DdepConfig;
import org.ddep.train.StepBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code ddep step-benchmark}: training steps of the configured model without Spark, printing one
 * JSON line (images/s, peak resident memory, peak ND4J off-heap bytes), so a person can find the
 * largest batch that fits an executor before submitting.
 */
@Command(name = "step-benchmark", mixinStandardHelpOptions = true,
        description = "Time training steps of the configured model without Spark and print one JSON line: "
                + "images_per_s, peak_rss_mb, peak_offheap_mb. For sizing executors.")
final class StepBenchmarkCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--stage", defaultValue = DdepConfig.FINETUNE,
            description = "pretrain-decoder (denoising, encoder frozen) or finetune (default).")
    String stage;

    @Option(names = "--batch", defaultValue = "4", description = "Images per step on this worker (default 4).")
    int batch;

    @Option(names = "--image-size", defaultValue = "0",
            description = "Square input side (default: the stage's image-size or finetune.crop).")
    int imageSize;

    @Option(names = "--steps", defaultValue = "3", description = "Timed steps (default 3).")
    int steps;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed steps first (default 1); more, up to "
            + StepBenchmark.MAX_EXTRA_WARMUP + " more, while ND4J's workspaces still learn their sizes, so the peaks "
            + "are those of steady training (warmup_run, workspaces_learning in the output).")
    int warmup;

    @Option(names = "--settle", defaultValue = "early", description = "early (default): DL4J's workspaces learn "
            + "their sizes in the first step and hold, from the next, what they hold once settled in training (up to "
            + "2%% over-allocation); dl4j: DL4J's own learning, over tens of steps for a graph of hundreds of vertices.")
    String settle;

    @Option(names = "--classes", defaultValue = "19", description = "Classes of the finetune head (default 19, Cityscapes).")
    int classes;

    @Override
    public Integer call() {
        DdepConfig c = options.load();
        int size = imageSize > 0 ? imageSize
                : stage.equals(DdepConfig.PRETRAIN_DECODER) ? c.decoder().imageSize() : c.finetune().schedule().imageSize();
        if (!settle.equals("early") && !settle.equals("dl4j")) {
            throw new ConfigError("step-benchmark: --settle must be early or dl4j, got " + settle);
        }
        StepBenchmark.Result r;
        try {
            r = StepBenchmark.run(c, new StepBenchmark.Spec(stage, batch, size, steps, warmup, classes,
                    settle.equals("early")));
        } catch (IllegalArgumentException e) {
            throw new ConfigError("step-benchmark: " + e.getMessage());
        }
        System.out.println(r.json());
        return 0;
    }
}
