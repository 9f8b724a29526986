package org.ddep.cli;

import org.apache.spark.sql.SparkSession;
import org.ddep.config.ConfigLoader;
import org.ddep.config.DdepConfig;
import org.ddep.stage.Predict;
import org.ddep.stage.Sparks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ddep predict}: images or shards to PNG masks and overlays with a fine-tuned model. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict PNG masks (train ids) and colour overlays for a folder of images or shards, on Spark, "
                + "with the test-time augmentation of ddep.evaluate.* (--set evaluate.scales=[0.5,1.0,1.5] ...).")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--config", description = "HOCON config file (model, evaluate.* and spark.* keys are used).")
    Path config;

    @Option(names = "--set", description = "Override one key, e.g. --set evaluate.flip=false (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--model", required = true, description = "A fine-tuned model.zip, any Hadoop URI.")
    String model;

    @Option(names = "--input", required = true, description = "A folder of images, or shards (Parquet), any Hadoop URI.")
    String input;

    @Option(names = "--output", required = true, description = "Where masks/, overlays/ and predict.json go.")
    String output;

    @Override
    public Integer call() throws Exception {
        DdepConfig cfg = ConfigLoader.load(config, overrides);
        SparkSession spark = Sparks.session(cfg.spark());
        try {
            var summary = Predict.run(spark, cfg, Main.absolute(model), Main.absolute(input), Main.absolute(output));
            System.out.printf("ddep predict: %s of %s images written to %s (%s skipped)%n", summary.get("written"),
                    summary.get("images"), Main.absolute(output), summary.get("skipped_images"));
            return 0;
        } finally {
            spark.stop();
        }
    }
}
