package org.ddep.stage;

import org.ddep.config.ConfigError;
import org.ddep.config.DdepConfig;
import org.ddep.config.FinetuneSettings;
import org.ddep.config.NoiseSpec;
import org.ddep.config.StageSchedule;
import org.ddep.config.SweepSettings;
import org.ddep.data.HadoopFiles;
import org.ddep.eval.Estimate;
import org.ddep.report.LinePlot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ddep sweep}: the paper's headline experiment in one command (PAPER.md "Findings to
 * reproduce"). The pretraining stages run once (or are reused); then, for every label fraction, both
 * initialisations are fine-tuned and evaluated in {@code <run>/sweep/{finetune,evaluate}/<variant>-f<f>/},
 * finished runs reused, and {@code report/label_efficiency.{csv,png}} drawn. The sigma mode pretrains
 * the decoder once per noise level in {@code <run>/sweep-sigma/sigma-<s>/} (the run's own sigma reuses
 * the run's pretraining and the fraction sweep's run) and fine-tunes DDeP at {@code sweep.sigma-fraction}:
 * {@code report/noise_level.{csv,png}}.
 */
public final class Sweep {
    private static final Logger LOG = LoggerFactory.getLogger("ddep");
    /**
     * Keys a sweep may differ in from the run it extends: they only add runs, each in its own folder.
     * The sweep's own settings that change results are pinned in {@code sweep/sweep.conf} instead.
     */
    static final Set<String> SWEEP_FREE = Set.of("stages", "finetune.label-fractions", "finetune.variants", "sweep");
    static final String DIR = "sweep";
    static final String SIGMA_DIR = "sweep-sigma";
    static final String LABEL_EFFICIENCY = "label_efficiency";
    static final String NOISE_LEVEL = "noise_level";
    private static final List<String> VARIANTS = List.of(FinetuneSettings.DDEP, FinetuneSettings.RANDOM_DECODER);

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
     * One point of a sweep: fraction or sigma, and the mIoU of each variant there, one per seed in the order of
     * {@code seeds} (the same seed at the same index for both variants: a pair).
     */
    public record Point(double x, long labelledImages, List<Long> seeds, Map<String, List<Double>> miou) {
        public Estimate estimate(String variant) {
            return Estimate.of(values(variant));
        }

        /** DDeP - baseline, paired by seed. */
        public Estimate difference() {
            return Estimate.paired(values(FinetuneSettings.DDEP), values(FinetuneSettings.RANDOM_DECODER));
        }

        private double[] values(String variant) {
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
        writeFractions(points);
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
        writeSigmas(points, f);
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

    /** Columns of the sweeps' tables after the point's own: one row per variant and one for the paired difference. */
    static final String STATS_COLUMNS = "variant,seeds,mean,sd,ci95_low,ci95_high,ddep_vs_baseline";
    /** The variant name of a table's difference rows. */
    static final String DIFFERENCE = "ddep-minus-baseline";

    private void writeFractions(List<Point> points) throws IOException {
        StringBuilder csv = new StringBuilder("label_fraction,labelled_images," + STATS_COLUMNS + "\n");
        for (Point p : points) {
            statsRows(csv, plain(p.x()) + "," + p.labelledImages() + ",", p);
        }
        write(LABEL_EFFICIENCY, csv.toString(), perSeed("label_fraction", points), plot("Label efficiency: mIoU "
                + "against the fraction of labels", "fraction of labelled training images (log scale)", points));
    }

    private void writeSigmas(List<Point> points, double fraction) throws IOException {
        StringBuilder csv = new StringBuilder("sigma,label_fraction," + STATS_COLUMNS + "\n");
        for (Point p : points) {
            statsRows(csv, plain(p.x()) + "," + plain(fraction) + ",", p);
        }
        write(NOISE_LEVEL, csv.toString(), perSeed("sigma", points), plot("Noise level of decoder pretraining: mIoU at "
                + plain(fraction) + " of the labels", "sigma (log scale)", points));
    }

    private static void statsRows(StringBuilder csv, String point, Point p) {
        for (String v : VARIANTS) {
            csv.append(point).append(v).append(',').append(stats(p.estimate(v))).append(",\n");
        }
        Estimate d = p.difference();
        csv.append(point).append(DIFFERENCE).append(',').append(stats(d)).append(',')
                .append(d.verdict().name().toLowerCase(Locale.ROOT).replace('_', ' ')).append('\n');
    }

    private static String stats(Estimate e) {
        return e.n() + "," + num(e.mean()) + "," + num(e.sd()) + "," + num(e.low()) + "," + num(e.high());
    }

    /** Every run's mIoU, one line per point and seed: what the statistics were computed from. */
    private static String perSeed(String x, List<Point> points) {
        StringBuilder csv = new StringBuilder(x + ",seed,ddep_miou,random_decoder_miou,ddep_minus_baseline\n");
        for (Point p : points) {
            for (int i = 0; i < p.seeds().size(); i++) {
                double a = p.miou().get(FinetuneSettings.DDEP).get(i);
                double b = p.miou().get(FinetuneSettings.RANDOM_DECODER).get(i);
                csv.append(plain(p.x())).append(',').append(p.seeds().get(i)).append(',').append(num(a)).append(',')
                        .append(num(b)).append(',').append(num(a - b)).append('\n');
            }
        }
        return csv.toString();
    }

    private static LinePlot plot(String title, String x, List<Point> points) {
        LinePlot plot = new LinePlot(title, x, "mIoU", true);
        double[] xs = points.stream().mapToDouble(Point::x).toArray();
        for (String v : VARIANTS) {
            List<Estimate> e = points.stream().map(p -> p.estimate(v)).toList();
            plot.add(v.equals(FinetuneSettings.DDEP) ? "DDeP (pretrained decoder)" : "baseline (random decoder)", xs,
                    e.stream().mapToDouble(Estimate::mean).toArray(), e.stream().mapToDouble(Estimate::low).toArray(),
                    e.stream().mapToDouble(Estimate::high).toArray());
        }
        int n = points.isEmpty() ? 0 : points.get(0).seeds().size();
        plot.note(n == 1 ? "one seed: no error bars, no result" : "mean of " + n + " seeds, bars: 95% CI (Student's t)");
        return plot;
    }

    private void write(String name, String csv, String seeds, LinePlot plot) throws IOException {
        String dir = ctx.run().path("report");
        ctx.files().writeString(HadoopFiles.join(dir, name + ".csv"), csv);
        ctx.files().writeString(HadoopFiles.join(dir, name + "_seeds.csv"), seeds);
        ReportStage.writePng(ctx.files(), HadoopFiles.join(dir, name + ".png"), plot.render(720, 420));
        LOG.info("sweep: {}\n{}", HadoopFiles.join(dir, name + ".csv"), csv.strip());
    }

    static String plain(double v) {
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }
}
