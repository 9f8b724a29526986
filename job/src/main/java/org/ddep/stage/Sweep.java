package org.ddep.stage;

import org.ddep.config.ConfigError;
import org.ddep.config.DdepConfig;
import org.ddep.config.FinetuneSettings;
import org.ddep.config.NoiseSpec;
import org.ddep.config.StageSchedule;
import org.ddep.config.SweepSettings;
import org.ddep.config.TrainSettings;
import org.ddep.data.HadoopFiles;
import org.ddep.eval.Estimate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code ddep sweep}: the paper's headline experiment in one command (PAPER.md "Findings to
 * reproduce"). The pretraining stages run once (or are reused); then, for every label fraction, both
 * initialisations are fine-tuned and evaluated in {@code <run>/sweep/{finetune,evaluate}/<variant>-f<f>/},
 * finished runs reused, and {@code report/label_efficiency.{csv,png}} drawn. The sigma mode pretrains
 * the decoder once per noise level in {@code <run>/sweep-sigma/sigma-<s>/} (the run's own sigma reuses
 * the run's pretraining and the fraction sweep's run) and fine-tunes DDeP at {@code sweep.sigma-fraction}:
 * {@code report/noise_level.{csv,png}}. The averaging mode fine-tunes both variants with other
 * {@code train.workers} and {@code train.averaging-frequency} in {@code <run>/sweep-averaging/}:
 * {@code report/averaging.{csv,png}}. Every point is run with every seed of {@code sweep.seeds}.
 */
public final class Sweep {
    private static final Logger LOG = LoggerFactory.getLogger("ddep");
    /**
     * Keys a sweep may differ in from the run it extends: those free for any run ({@link Pipeline#RUN_FREE}), and
     * those that only add runs, each in its own folder.
     * The sweep's own settings that change results are pinned in {@code sweep/sweep.conf} instead.
     */
    static final Set<String> SWEEP_FREE = Stream.concat(Pipeline.RUN_FREE.stream(),
            Stream.of("stages", "finetune.label-fractions", "finetune.variants")).collect(Collectors.toUnmodifiableSet());
    static final String DIR = "sweep";
    static final String SIGMA_DIR = "sweep-sigma";
    static final String AVERAGING_DIR = "sweep-averaging";
    static final String AVERAGING = "averaging";
    static final String LABEL_EFFICIENCY = "label_efficiency";
    static final String NOISE_LEVEL = "noise_level";
    /** What each noise level's decoder uses ({@link DecoderPathsReport}), one block of rows per sigma. */
    static final String NOISE_LEVEL_PATHS = NOISE_LEVEL + "_decoder_paths";
    private static final List<String> VARIANTS = SweepTables.VARIANTS;

    private final Pipeline pipeline;
    private final StageContext ctx;
    private final SweepSettings settings;
    private final long started = System.nanoTime();
    private int done;
    private int reused;
    private int total;

    public Sweep(Pipeline pipeline) {
        this.pipeline = pipeline;
        this.ctx = pipeline.context();
        this.settings = ctx.config().sweep();
    }

    /**
     * One point of a sweep: fraction, sigma or averaging frequency, and the mIoU of each variant there, one per
     * seed in the order of {@code seeds} (the same seed at the same index for both variants: a pair).
     */
    public record Point(double x, long labelledImages, List<Long> seeds, Map<String, List<Double>> miou) {
        public Estimate estimate(String variant) {
            return Estimate.of(values(variant));
        }

        /** DDeP - baseline, paired by seed. */
        public Estimate difference() {
            return Estimate.paired(values(FinetuneSettings.DDEP), values(FinetuneSettings.RANDOM_DECODER));
        }

        double[] values(String variant) {
            return miou.get(variant).stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    /** mIoU against the label fraction for DDeP and the random-decoder baseline, for every seed. */
    public List<Point> fractions() throws Exception {
        prepare();
        List<Double> fractions = settings.fractions().stream().sorted().toList();
        List<Long> seeds = FinetuneRun.seeds(ctx.config());
        total = fractions.size() * VARIANTS.size() * seeds.size();
        RunDir sweep = sub(DIR);
        Map<Double, Map<String, List<Double>>> miou = new LinkedHashMap<>();
        try (EvaluateStage.HeldOut heldOut = EvaluateStage.HeldOut.of(ctx)) {
            // Seed by seed, so that an interrupted sweep has whole curves to show for the seeds it finished.
            for (long seed : seeds) {
                for (double f : fractions) {
                    for (String v : VARIANTS) {
                        miou.computeIfAbsent(f, k -> perVariant()).get(v)
                                .add(point(ctx, ctx.run(), sweep, heldOut, run(v, f, seed)));
                    }
                }
            }
        }
        List<Point> points = new ArrayList<>();
        for (double f : fractions) {
            points.add(new Point(f, labelled(f), seeds, miou.get(f)));
        }
        write(LABEL_EFFICIENCY, SweepTables.fractions(points));
        finish();
        return points;
    }

    private FinetuneRun run(String variant, double fraction, long seed) {
        return new FinetuneRun(variant, fraction, seed, seed == ctx.config().seed());
    }

    private static Map<String, List<Double>> perVariant() {
        Map<String, List<Double>> m = new LinkedHashMap<>();
        VARIANTS.forEach(v -> m.put(v, new ArrayList<>()));
        return m;
    }

    /**
     * mIoU of DDeP fine-tuned at {@code sweep.sigma-fraction} against the noise level of its pretraining, for
     * every seed; each seed's DDeP runs pair with the baseline of that seed (which does not depend on sigma).
     */
    public List<Point> sigmas() throws Exception {
        prepare();
        List<Double> sigmas = settings.sigmas().stream().sorted().toList();
        List<Long> seeds = FinetuneRun.seeds(ctx.config());
        double f = settings.sigmaFraction();
        double own = ctx.config().noise().sigma();
        // One pretraining per noise level but the run's own, one fine-tune per noise level and seed, plus the baselines.
        total = sigmas.size() - (sigmas.contains(own) ? 1 : 0) + seeds.size() * (sigmas.size() + 1);
        Map<Double, StageContext> pretrained = new LinkedHashMap<>();
        for (double sigma : sigmas) {
            if (sigma != own) {
                RunDir dir = sub(SIGMA_DIR, "sigma-" + plain(sigma));
                NoiseSpec base = ctx.config().noise();
                NoiseSpec noise = new NoiseSpec(base.kind(), sigma, base.target(), base.gamma());
                StageContext sc = new StageContext(ctx.config().withNoise(noise).withShards(ctx.shardsRoot()), dir,
                        ctx.spark(), ctx.extraHooks());
                pretrainDecoder(sc);
                pretrained.put(sigma, sc);
            }
        }
        Map<Double, Map<String, List<Double>>> miou = new LinkedHashMap<>();
        sigmas.forEach(sigma -> miou.put(sigma, perVariant()));
        try (EvaluateStage.HeldOut heldOut = EvaluateStage.HeldOut.of(ctx)) {
            for (long seed : seeds) {
                double baseline = point(ctx, ctx.run(), sub(DIR), heldOut, run(FinetuneSettings.RANDOM_DECODER, f, seed));
                for (double sigma : sigmas) {
                    StageContext sc = pretrained.get(sigma);
                    // The run's own noise level: its decoder pretraining and the fraction sweep's DDeP run.
                    double ddep = sc == null ? point(ctx, ctx.run(), sub(DIR), heldOut, run(FinetuneSettings.DDEP, f, seed))
                            : point(sc, sc.run(), sc.run(), heldOut, run(FinetuneSettings.DDEP, f, seed));
                    miou.get(sigma).get(FinetuneSettings.DDEP).add(ddep);
                    miou.get(sigma).get(FinetuneSettings.RANDOM_DECODER).add(baseline);
                }
            }
        }
        List<Point> points = new ArrayList<>();
        for (double sigma : sigmas) {
            points.add(new Point(sigma, labelled(f), seeds, miou.get(sigma)));
        }
        write(NOISE_LEVEL, SweepTables.sigmas(points, f));
        if (ctx.config().decoderPathImages() > 0) {
            // Which encoder features each noise level's decoder learnt to use (report/decoder_paths.csv per sigma).
            StringBuilder paths = new StringBuilder("sigma," + DecoderPathsReport.HEADER + "\n");
            for (double sigma : sigmas) {
                StageContext sc = pretrained.getOrDefault(sigma, ctx);
                paths.append(DecoderPathsReport.rows(plain(sigma) + ",", DecoderPathsReport.measure(sc)));
            }
            ctx.files().writeString(HadoopFiles.join(ctx.run().path("report"), NOISE_LEVEL_PATHS + ".csv"),
                    paths.toString());
        }
        finish();
        return points;
    }

    /** One parameter-averaging setting: workers, and minibatches per worker between averages. */
    public record Averaging(int workers, int frequency) {
        String id() {
            return "workers-" + workers + "-every-" + frequency;
        }

        String words() {
            return workers == 1 ? "1 worker (synchronous)" : workers + " workers averaging every " + frequency
                    + (frequency == 1 ? " minibatch" : " minibatches");
        }
    }

    /** {@code sweep.workers} x {@code sweep.averaging-frequencies}; one worker once (it averages with nobody). */
    List<Averaging> averagingSettings() {
        List<Averaging> out = new ArrayList<>();
        for (int w : settings.workers().stream().sorted().distinct().toList()) {
            if (w == 1) {
                out.add(new Averaging(1, 1));
                continue;
            }
            settings.averagingFrequencies().stream().sorted().distinct().forEach(f -> out.add(new Averaging(w, f)));
        }
        return out;
    }

    /**
     * mIoU of both variants fine-tuned at {@code sweep.averaging-fraction} with every averaging setting and seed
     * (the pretraining is the run's): what parameter averaging costs against synchronous training. The run's own
     * setting reuses the fraction sweep's runs; the others live in {@code <run>/sweep-averaging/workers-W-every-F/}.
     */
    public Map<Averaging, Point> averaging() throws Exception {
        prepare();
        List<Averaging> all = averagingSettings();
        List<Long> seeds = FinetuneRun.seeds(ctx.config());
        double f = settings.averagingFraction();
        TrainSettings own = ctx.config().train();
        total = all.size() * VARIANTS.size() * seeds.size();
        Map<Averaging, Map<String, List<Double>>> miou = new LinkedHashMap<>();
        all.forEach(a -> miou.put(a, perVariant()));
        try (EvaluateStage.HeldOut heldOut = EvaluateStage.HeldOut.of(ctx)) {
            for (long seed : seeds) {
                for (Averaging a : all) {
                    boolean same = a.workers() == own.workers() && a.frequency() == own.averagingFrequency();
                    StageContext c = same ? ctx : ctx.with(ctx.config().withTrain(own.withAveraging(a.workers(),
                            a.frequency())));
                    RunDir into = same ? sub(DIR) : sub(AVERAGING_DIR, a.id());
                    for (String v : VARIANTS) {
                        miou.get(a).get(v).add(point(c, ctx.run(), into, heldOut, run(v, f, seed)));
                    }
                }
            }
        }
        Map<Averaging, Point> points = new LinkedHashMap<>();
        all.forEach(a -> points.put(a, new Point(a.frequency(), labelled(f), seeds, miou.get(a))));
        write(AVERAGING, SweepTables.averaging(points, f));
        finish();
        return points;
    }

    /** Pins the config (and the sweep's own settings), then runs or reuses the stages before fine-tuning. */
    private void prepare() throws Exception {
        pipeline.pinConfig(SWEEP_FREE);
        pinSweep();
        for (String s : ctx.config().stages()) {
            if (DdepConfig.STAGES.indexOf(s) < DdepConfig.STAGES.indexOf(DdepConfig.FINETUNE)) {
                pipeline.runStage(s, false);
            }
        }
    }

    /** The sweep's settings that change its results are pinned in {@code sweep/sweep.conf}. */
    private void pinSweep() throws IOException {
        String uri = ctx.run().path(DIR, "sweep.conf");
        String now = "finetune-examples = " + settings.finetuneExamples() + "\nsigma-fraction = "
                + settings.sigmaFraction() + "\n";
        if (!ctx.files().exists(uri)) {
            ctx.files().writeString(uri, now);
        } else if (!ctx.files().readString(uri).equals(now)) {
            throw new ConfigError("the sweep in " + ctx.run().uri() + " was started with other settings (" + uri + ": "
                    + ctx.files().readString(uri).strip().replace('\n', ',') + "); use the same ddep.sweep."
                    + "finetune-examples and sigma-fraction, or another --run-dir");
        }
    }

    /** Fine-tunes (unless done) and evaluates (unless done) one run; returns its mIoU. */
    private double point(StageContext c, RunDir pretrained, RunDir into, EvaluateStage.HeldOut heldOut, FinetuneRun r)
            throws Exception {
        String tuned = r.dir(into, DdepConfig.FINETUNE);
        String evaluated = r.dir(into, DdepConfig.EVALUATE);
        boolean fresh = false;
        long t0 = System.nanoTime();
        if (!c.run().done(tuned)) {
            StageSchedule s = c.config().finetune().schedule();
            FinetuneStage.fineTune(c, pretrained, r, tuned, s, settings.finetuneExamples());
            c.run().markDone(tuned);
            fresh = true;
        }
        Map<?, ?> metrics;
        String file = HadoopFiles.join(evaluated, EvaluateStage.METRICS);
        if (!c.run().done(evaluated)) {
            metrics = EvaluateStage.evaluate(c, heldOut, r, tuned, evaluated);
            c.run().markDone(evaluated);
            fresh = true;
        } else {
            metrics = EvaluateStage.JSON.readValue(c.files().readString(file), Map.class);
        }
        done++;
        if (!fresh) {
            reused++;
        }
        Object v = metrics.get("miou");
        double miou = v == null ? Double.NaN : ((Number) v).doubleValue();
        double elapsed = (System.nanoTime() - started) / 1e9;
        String where = into.uri().endsWith("/" + DIR) ? "" : into.uri().substring(into.uri().lastIndexOf('/') + 1) + " ";
        LOG.info("sweep {}/{}: {}{} mIoU {} ({}; {} s elapsed in the sweep)", done, total, where, r.id(),
                String.format("%.4f", miou),
                fresh ? "in " + String.format("%.0f s", (System.nanoTime() - t0) / 1e9) : "reused",
                String.format("%.0f", elapsed));
        return miou;
    }

    private void pretrainDecoder(StageContext sc) throws Exception {
        RunDir dir = sc.run();
        String stage = dir.stage(DdepConfig.PRETRAIN_DECODER);
        if (dir.done(stage)) {
            done++;
            reused++;
            return;
        }
        // The sub-run's pretraining starts from the run's encoder, copied so that the stage reads it as its own.
        String encoder = HadoopFiles.join(dir.stage(DdepConfig.PRETRAIN_ENCODER), Models.FILE);
        if (!sc.files().exists(encoder)) {
            String from = HadoopFiles.join(ctx.run().stage(DdepConfig.PRETRAIN_ENCODER), Models.FILE);
            try (var in = ctx.files().open(from)) {
                sc.files().writeBytes(encoder, in.readAllBytes());
            }
        }
        LOG.info("sweep: decoder pretraining with sigma {} in {}", sc.config().noise().sigma(), dir.uri());
        new PretrainDecoderStage().run(sc);
        dir.markDone(stage);
        done++;
    }

    private long labelled(double f) {
        DdepConfig c = ctx.config();
        return ctx.shards().labelled(c.data().segmentationDataset(), c.data().trainSplit(), f).count();
    }

    private RunDir sub(String... parts) {
        return new RunDir(ctx.run().path(parts), ctx.files());
    }

    private void finish() throws Exception {
        pipeline.runStage(DdepConfig.REPORT, true);
        LOG.info("sweep: {} runs ({} reused) in {}; report at {}", done, reused,
                String.format("%.1f min", (System.nanoTime() - started) / 60e9), ctx.run().path("report", "index.md"));
    }

    /** {@code report/<name>.csv}, {@code <name>_seeds.csv} and {@code <name>.png}. */
    private void write(String name, SweepTables.Written w) throws IOException {
        String dir = ctx.run().path("report");
        ctx.files().writeString(HadoopFiles.join(dir, name + ".csv"), w.table());
        ctx.files().writeString(HadoopFiles.join(dir, name + "_seeds.csv"), w.perSeed());
        ReportStage.writePng(ctx.files(), HadoopFiles.join(dir, name + ".png"), w.plot().render(720, 420));
        LOG.info("sweep: {}\n{}", HadoopFiles.join(dir, name + ".csv"), w.table().strip());
    }

    static String plain(double v) {
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

}
