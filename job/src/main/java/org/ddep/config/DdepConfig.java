package org.ddep.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The whole validated configuration. Built only by {@link ConfigLoader}; every other class reads
 * these typed values, never raw keys.
 */
public record DdepConfig(long seed, List<String> stages, SparkSettings spark, DataSettings data, PrepSettings prep,
                         DemoSettings demo, ModelSpec model, TrainSettings train, StageSchedule encoder,
                         StageSchedule decoder, NoiseSpec noise, FinetuneSettings finetune, EvalSettings evaluate,
                         int reportSamples, Config resolved, SweepSettings sweep) {

    public static final String PREP = "prep";
    public static final String PRETRAIN_ENCODER = "pretrain-encoder";
    public static final String PRETRAIN_DECODER = "pretrain-decoder";
    public static final String FINETUNE = "finetune";
    public static final String EVALUATE = "evaluate";
    public static final String REPORT = "report";
    public static final List<String> STAGES = List.of(PREP, PRETRAIN_ENCODER, PRETRAIN_DECODER, FINETUNE, EVALUATE, REPORT);

    static DdepConfig from(Config root) {
        Section top = new Section(root, "ddep");
        List<String> stages = top.stringList("stages", Set.copyOf(STAGES));
        for (int i = 1; i < stages.size(); i++) {
            if (STAGES.indexOf(stages.get(i)) <= STAGES.indexOf(stages.get(i - 1))) {
                throw ConfigError.of("ddep.stages", stages, "stages in pipeline order " + STAGES + ", each once");
            }
        }
        ModelSpec model = ModelSpec.from(root);
        TrainSettings train = TrainSettings.from(root);
        StageSchedule encoder = StageSchedule.from(root, PRETRAIN_ENCODER, "image-size", false);
        StageSchedule decoder = StageSchedule.from(root, PRETRAIN_DECODER, "image-size", false);
        FinetuneSettings finetune = FinetuneSettings.from(root, model);
        encoder.validate(train, model, "image-size");
        decoder.validate(train, model, "image-size");
        finetune.schedule().validate(train, model, "crop");
        String importFrom = new Section(root, "ddep." + PRETRAIN_ENCODER).string("import-from");
        if (!importFrom.isEmpty() && !model.isTransUnet()) {
            throw ConfigError.of("ddep.pretrain-encoder.import-from", importFrom,
                    "empty unless ddep.model.arch = transunet (the checkpoint is an R50+ViT-B/16 encoder)");
        }
        if (!importFrom.isEmpty() && !model.transunet().groupNorm()) {
            throw ConfigError.of("ddep.pretrain-encoder.import-from", importFrom,
                    "empty unless ddep.model.transunet.resnet-norm = group (the checkpoint's ResNet uses GroupNorm)");
        }
        NoiseSpec noise = NoiseSpec.from(root);
        if (noise.gamma() == NoiseSpec.Gamma.RANDOM && noise.kind() != NoiseSpec.Kind.SCALED_ADDITIVE) {
            throw ConfigError.of("ddep.pretrain-decoder.noise.gamma", "random",
                    "fixed, unless noise.kind = scaled-additive (a random gamma is the DDPM-style variant of it)");
        }
        EvalSettings evaluate = EvalSettings.from(root);
        evaluate.validate(model);
        SweepSettings sweep = SweepSettings.from(root);
        int batch = finetune.schedule().globalBatch();
        if (sweep.workers().stream().anyMatch(w -> batch % w != 0)) {
            throw ConfigError.of("ddep.sweep.workers", sweep.workers(), "worker counts that divide ddep.finetune."
                    + "batch-size = " + batch + " (the global batch is split evenly across workers)");
        }
        LeaseSettings.from(root);
        new Section(root, "ddep.report").intIn("decoder-path-images", 0, 4096);
        return new DdepConfig(top.longValue("seed"), stages, SparkSettings.from(root), DataSettings.from(root),
                PrepSettings.from(root), DemoSettings.from(root), model, train, encoder, decoder, noise,
                finetune, evaluate, new Section(root, "ddep.report").intIn("samples", 1, 64), root, sweep);
    }

    /** This config with another denoising objective (the sigma sweep's pretraining runs). */
    public DdepConfig withNoise(NoiseSpec n) {
        return new DdepConfig(seed, stages, spark, data, prep, demo, model, train, encoder, decoder, n, finetune, evaluate,
                reportSamples, resolved, sweep);
    }

    /** This config with another seed: one fine-tuning replicate of a comparison ({@code sweep.seeds}). */
    public DdepConfig withSeed(long s) {
        return new DdepConfig(s, stages, spark, data, prep, demo, model, train, encoder, decoder, noise, finetune,
                evaluate, reportSamples, resolved, sweep);
    }

    /** This config training with other parameter-averaging settings (the averaging sweep's runs). */
    public DdepConfig withTrain(TrainSettings t) {
        return new DdepConfig(seed, stages, spark, data, prep, demo, model, t, encoder, decoder, noise, finetune,
                evaluate, reportSamples, resolved, sweep);
    }

    /** This config reading its shards from {@code root} (a sweep's sub-run reads the run's shards). */
    public DdepConfig withShards(String root) {
        return new DdepConfig(seed, stages, spark, new DataSettings(root, data.pretrainDataset(),
                data.segmentationDataset(), data.trainSplit(), data.evalSplit()), prep, demo, model, train, encoder,
                decoder, noise, finetune, evaluate, reportSamples, resolved, sweep);
    }

    /** {@code ddep.lease}: how the driver holds its run directory (validated at load). */
    public LeaseSettings lease() {
        return LeaseSettings.from(resolved);
    }

    /** {@code ddep.report.decoder-path-images}: images the report measures the decoder's paths on; 0 = none. */
    public int decoderPathImages() {
        return resolved.getInt("ddep.report.decoder-path-images");
    }

    /** {@code ddep.pretrain-encoder.import-from}: an R50+ViT-B/16 {@code .npz} to import instead of training, or "". */
    public String encoderImport() {
        return resolved.getString("ddep.pretrain-encoder.import-from");
    }

    /**
     * This config restricted to one of its label fractions, for running one fine-tune or evaluation
     * task alone (one Airflow task per fraction); the run directory still pins the whole config.
     */
    public DdepConfig withLabelFraction(double fraction) {
        if (!finetune.labelFractions().contains(fraction)) {
            throw ConfigError.of("--label-fraction", fraction, "one of ddep.finetune.label-fractions "
                    + finetune.labelFractions());
        }
        return new DdepConfig(seed, stages, spark, data, prep, demo, model, train, encoder, decoder, noise,
                new FinetuneSettings(finetune.schedule(), List.of(fraction), finetune.variants()), evaluate,
                reportSamples, resolved, sweep);
    }

    /** Spark settings whose values are secrets (s3a keys, tokens, passwords): never written or logged. */
    private static final Pattern SECRET = Pattern.compile("(?i)secret|password|token|credential|access\\.key|session\\.key");

    /** The resolved {@code ddep} tree as HOCON, secrets redacted, as written to {@code <run>/config.conf}. */
    public String render() {
        return redacted().atKey("ddep").root().render(ConfigRenderOptions.defaults()
                .setOriginComments(false).setComments(false).setFormatted(true).setJson(false));
    }

    /** The {@code ddep} tree with the values of secret Spark settings replaced: what may be stored and compared. */
    public Config redacted() {
        Config c = resolved.getConfig("ddep");
        for (String key : spark.conf().keySet()) {
            if (SECRET.matcher(key).find()) {
                c = c.withValue("spark.conf.\"" + key + "\"", ConfigValueFactory.fromAnyRef("<redacted>"));
            }
        }
        return c;
    }
}
