package org.ddep.stage;

import org.ddep.config.ConfigError;
import org.ddep.config.DdepConfig;
import org.ddep.config.FinetuneSettings;
import org.ddep.config.NoiseSpec;
import org.ddep.config.StageSchedule;
import org.ddep.config.SweepSettings;
import org.ddep.data.HadoopFiles;
import org.ddep.report.LinePlot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
    static final Set<String> SWEEP_FREE = Set.of("stages", "finetune.label-fractions", "finetune.variants", "sweep", "lease");
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

    /** One point of a sweep: fraction or sigma, and the mIoU of each variant there. */
    public record Point(double x, long labelledImages, Map<String, Double> miou) {
    }

    /** mIoU against the label fraction for DDeP and the random-decoder baseline. */
    public List<Point> fractions() throws Exception {
        prepare();
        List<Double> fractions = settings.fractions().stream().sorted().toList();
        total = fractions.size() * VARIANTS.size();
        RunDir sweep = sub(DIR);
        List<Point> points = new ArrayList<>();
        try (EvaluateStage.HeldOut heldOut = EvaluateStage.HeldOut.of(ctx)) {
            for (double f : fractions) {
                Map<String, Double> miou = new LinkedHashMap<>();
                for (String v : VARIANTS) {
                    miou.put(v, point(ctx, ctx.run(), sweep, heldOut, new FinetuneRun(v, f)));
                }
                points.add(new Point(f, labelled(f), miou));
            }
        }
        writeFractions(points);
        finish();
        return points;
    }

    /** mIoU of DDeP fine-tuned at {@code sweep.sigma-fraction} against the noise level of its pretraining. */
    public List<Point> sigmas() throws Exception {
        prepare();
        List<Double> sigmas = settings.sigmas().stream().sorted().toList();
        double f = settings.sigmaFraction();
        // One pretraining and one fine-tune per noise level, the run's own sigma only the latter, plus the baseline.
        total = sigmas.size() * 2 + 1 - (sigmas.contains(ctx.config().noise().sigma()) ? 1 : 0);
        List<Point> points = new ArrayList<>();
        double baseline;
        try (EvaluateStage.HeldOut heldOut = EvaluateStage.HeldOut.of(ctx)) {
            baseline = point(ctx, ctx.run(), sub(DIR), heldOut, new FinetuneRun(FinetuneSettings.RANDOM_DECODER, f));
            for (double sigma : sigmas) {
                Map<String, Double> miou = new LinkedHashMap<>();
                if (sigma == ctx.config().noise().sigma()) {
                    // The run's own noise level: its decoder pretraining and the fraction sweep's DDeP run.
                    miou.put(FinetuneSettings.DDEP, point(ctx, ctx.run(), sub(DIR), heldOut,
                            new FinetuneRun(FinetuneSettings.DDEP, f)));
                    miou.put(FinetuneSettings.RANDOM_DECODER, baseline);
                    points.add(new Point(sigma, labelled(f), miou));
                    continue;
                }
                RunDir dir = sub(SIGMA_DIR, "sigma-" + plain(sigma));
                NoiseSpec base = ctx.config().noise();
                NoiseSpec noise = new NoiseSpec(base.kind(), sigma, base.target(), base.gamma());
                StageContext sc = new StageContext(ctx.config().withNoise(noise).withShards(ctx.shardsRoot()), dir,
                        ctx.spark(), ctx.extraHooks());
                pretrainDecoder(sc);
                miou.put(FinetuneSettings.DDEP, point(sc, dir, dir, heldOut, new FinetuneRun(FinetuneSettings.DDEP, f)));
                miou.put(FinetuneSettings.RANDOM_DECODER, baseline);
                points.add(new Point(sigma, labelled(f), miou));
            }
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

    private void writeFractions(List<Point> points) throws IOException {
        StringBuilder csv = new StringBuilder("label_fraction,labelled_images,ddep_miou,random_decoder_miou,ddep_minus_baseline\n");
        for (Point p : points) {
            double a = p.miou().get(FinetuneSettings.DDEP);
            double b = p.miou().get(FinetuneSettings.RANDOM_DECODER);
            csv.append(plain(p.x())).append(',').append(p.labelledImages()).append(',').append(num(a)).append(',')
                    .append(num(b)).append(',').append(num(a - b)).append('\n');
        }
        write(LABEL_EFFICIENCY, csv.toString(), plot("Label efficiency: mIoU against the fraction of labels",
                "fraction of labelled training images (log scale)", points));
    }

    private void writeSigmas(List<Point> points, double fraction) throws IOException {
        StringBuilder csv = new StringBuilder("sigma,label_fraction,ddep_miou,random_decoder_miou\n");
        for (Point p : points) {
            csv.append(plain(p.x())).append(',').append(plain(fraction)).append(',')
                    .append(num(p.miou().get(FinetuneSettings.DDEP))).append(',')
                    .append(num(p.miou().get(FinetuneSettings.RANDOM_DECODER))).append('\n');
        }
        write(NOISE_LEVEL, csv.toString(), plot("Noise level of decoder pretraining: mIoU at " + plain(fraction)
                + " of the labels", "sigma (log scale)", points));
    }

    private static LinePlot plot(String title, String x, List<Point> points) {
        LinePlot plot = new LinePlot(title, x, "mIoU", true);
        for (String v : VARIANTS) {
            double[] xs = points.stream().mapToDouble(Point::x).toArray();
            double[] ys = points.stream().mapToDouble(p -> p.miou().get(v)).toArray();
            plot.add(v.equals(FinetuneSettings.DDEP) ? "DDeP (pretrained decoder)" : "baseline (random decoder)", xs, ys);
        }
        return plot;
    }

    private void write(String name, String csv, LinePlot plot) throws IOException {
        String dir = ctx.run().path("report");
        ctx.files().writeString(HadoopFiles.join(dir, name + ".csv"), csv);
        ReportStage.writePng(ctx.files(), HadoopFiles.join(dir, name + ".png"), plot.render(720, 420));
        LOG.info("sweep: {}\n{}", HadoopFiles.join(dir, name + ".csv"), csv.strip());
    }

    static String plain(double v) {
        return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format("%.4f", v);
    }
}
