package org.ddep.stage;

import org.apache.spark.sql.Row;
import org.ddep.config.DdepConfig;
import org.ddep.data.Augment;
import org.ddep.data.EpochData;
import org.ddep.data.Examples;
import org.ddep.data.HadoopFiles;
import org.ddep.data.ImageTensors;
import org.ddep.eval.Segmenter;
import org.ddep.noise.DenoisingObjective;
import org.ddep.prep.Manifest;
import org.ddep.prep.ShardRecord;
import org.ddep.prep.ShardSchema;
import org.ddep.report.Grid;
import org.ddep.report.LinePlot;
import org.ddep.report.Palette;
import org.ddep.train.MetricsLog;
import org.deeplearning4j.nn.graph.ComputationGraph;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code report/}: one page to judge a run from. index.md with the results table, summary.json,
 * PNG loss curves per stage, a denoising grid and a prediction grid for every variant.
 */
public final class ReportStage implements Stage {
    @Override
    public String name() {
        return DdepConfig.REPORT;
    }

    @Override
    public String description() {
        return "Write report/index.md, summary.json and the PNG plots.";
    }

    @Override
    public void run(StageContext ctx) throws Exception {
        DdepConfig c = ctx.config();
        HadoopFiles files = ctx.files();
        String dir = ctx.run().path("report");
        StringBuilder md = new StringBuilder("# ddep run report\n\n");
        md.append("Run directory: `").append(ctx.run().uri()).append("`\n\n");

        List<Map<String, Object>> summary = new ArrayList<>();
        // fraction -> variant -> seed -> mIoU (NaN where not evaluated or undefined), in FinetuneRun.all's order.
        Map<Double, Map<String, Map<Long, Double>>> miou = new LinkedHashMap<>();
        for (FinetuneRun r : FinetuneRun.all(c)) {
            String m = HadoopFiles.join(r.dir(ctx.run(), DdepConfig.EVALUATE), EvaluateStage.METRICS);
            if (!files.exists(m)) {
                continue;
            }
            Map<?, ?> metrics = EvaluateStage.JSON.readValue(files.readString(m), Map.class);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("variant", r.variant());
            row.put("label_fraction", r.fraction());
            row.put("seed", r.seed());
            row.put("miou", metrics.get("miou"));
            row.put("pixel_accuracy", metrics.get("pixel_accuracy"));
            summary.add(row);
            Object v = metrics.get("miou");
            miou.computeIfAbsent(r.fraction(), k -> new LinkedHashMap<>()).computeIfAbsent(r.variant(),
                    k -> new LinkedHashMap<>()).put(r.seed(), v == null ? Double.NaN : ((Number) v).doubleValue());
        }
        ReportSections.results(miou, FinetuneRun.seeds(c), md);
        files.writeString(HadoopFiles.join(dir, "summary.json"), EvaluateStage.JSON.writeValueAsString(summary));

        ReportSections.perClass(ctx, md);
        ReportSections.sweeps(ctx, md);
        ReportSections.data(ctx, md);

        md.append("\n## Training\n\n");
        for (String stage : List.of(DdepConfig.PRETRAIN_ENCODER, DdepConfig.PRETRAIN_DECODER, DdepConfig.FINETUNE)) {
            LinePlot plot = new LinePlot(stage + ": loss per averaging round", "iteration", "loss", false);
            int lines = 0;
            if (stage.equals(DdepConfig.FINETUNE)) {
                for (FinetuneRun r : FinetuneRun.all(c)) {
                    lines += addCurve(files, plot, r.id(), HadoopFiles.join(r.dir(ctx.run(), stage), "metrics.jsonl"));
                }
            } else {
                lines += addCurve(files, plot, stage, ctx.run().path(stage, "metrics.jsonl"));
            }
            if (lines > 0) {
                writePng(files, HadoopFiles.join(dir, "loss-" + stage + ".png"), plot.render(720, 400));
                md.append("![").append(stage).append(" loss](loss-").append(stage).append(".png)\n\n");
            }
        }
        LinePlot sweepLoss = new LinePlot("sweep fine-tuning: loss per averaging round", "iteration", "loss", false);
        int sweepLines = 0;
        for (FinetuneRun r : ReportSections.sweepRuns(ctx)) {
            sweepLines += addCurve(files, sweepLoss, r.id(), HadoopFiles.join(r.dir(new RunDir(ctx.run().path(Sweep.DIR),
                    files), DdepConfig.FINETUNE), "metrics.jsonl"));
        }
        if (sweepLines > 0) {
            writePng(files, HadoopFiles.join(dir, "loss-sweep-finetune.png"), sweepLoss.render(720, 400));
            md.append("![sweep fine-tune loss](loss-sweep-finetune.png)\n\n");
        }

        if (ctx.run().done(ctx.run().stage(DdepConfig.PRETRAIN_DECODER))) {
            writePng(files, HadoopFiles.join(dir, "denoising.png"), denoisingGrid(ctx));
            md.append("## Denoising (decoder pretraining)\n\nColumns: clean image, noisy input, true noise, "
                    + "predicted noise, denoised estimate.\n\n![denoising](denoising.png)\n\n");
            DecoderPathsReport.write(ctx, dir, md);
        }
        if (!summary.isEmpty()) {
            double fraction = c.finetune().labelFractions().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            List<FinetuneRun> runs = new ArrayList<>();
            for (String v : c.finetune().variants()) {
                runs.add(FinetuneRun.of(c, v, fraction));
            }
            writePng(files, HadoopFiles.join(dir, "predictions.png"), predictionGrid(ctx, ctx.run(), runs));
            md.append("## Predictions (held-out images)\n\nColumns: image, true mask (black = ignore), then each "
                    + "fine-tuned variant at the smallest label fraction (seed " + c.seed()
                    + ").\n\n![predictions](predictions.png)\n\n");
        }
        List<FinetuneRun> swept = sweptRuns(ctx);
        if (!swept.isEmpty()) {
            writePng(files, HadoopFiles.join(dir, "sweep-predictions.png"),
                    predictionGrid(ctx, new RunDir(ctx.run().path(Sweep.DIR), files), swept));
            md.append("## Predictions of the label-efficiency sweep\n\nColumns: image, true mask, then both "
                    + "initialisations at the smallest and the largest label fraction of the sweep.\n\n"
                    + "![sweep predictions](sweep-predictions.png)\n");
        }
        files.writeString(HadoopFiles.join(dir, "index.md"), md.toString());
    }

    /** A metric as four decimals; empty when undefined (no labelled pixel). */
    static String figure(Object v) {
        return v == null ? "" : String.format("%.4f", ((Number) v).doubleValue());
    }

    private static int addCurve(HadoopFiles files, LinePlot plot, String name, String uri) throws IOException {
        List<Map<String, Object>> rows = MetricsLog.read(files, uri);
        if (rows.isEmpty()) {
            return 0;
        }
        double[] x = new double[rows.size()];
        double[] y = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            x[i] = ((Number) rows.get(i).get("iteration")).doubleValue();
            y[i] = ((Number) rows.get(i).get("loss")).doubleValue();
        }
        plot.add(name, x, y);
        return 1;
    }

    /** {@code n} rows of a split (with masks if {@code masked}), the same ones on every run (Shards.sample). */
    static List<ShardRecord> samples(StageContext ctx, String dataset, String split, boolean masked, int n)
            throws IOException {
        List<ShardRecord> out = new ArrayList<>();
        for (Row r : ctx.shards().sample(dataset, split, n, masked)) {
            out.add(ShardSchema.fromRow(r));
        }
        return out;
    }

    private static BufferedImage denoisingGrid(StageContext ctx) throws IOException {
        DdepConfig c = ctx.config();
        ComputationGraph net = Models.load(ctx.files(), ctx.run().stage(DdepConfig.PRETRAIN_DECODER), "report");
        DenoisingObjective objective = new DenoisingObjective(c.noise());
        int size = c.decoder().imageSize();
        SplittableRandom rnd = new SplittableRandom(c.seed());
        List<List<BufferedImage>> rows = new ArrayList<>();
        for (ShardRecord r : samples(ctx, c.data().pretrainDataset(), c.data().trainSplit(), false, c.reportSamples())) {
            Augment.Sample s = Augment.trainingView(EpochData.sample(r, false), size, false, rnd);
            DenoisingObjective.Example e = objective.corrupt(s.chw(), rnd);
            float[] predicted = net.outputSingle(false, Examples.image(e.input(), size, size)).dup('c').data().asFloat();
            rows.add(List.of(ImageTensors.toImage(s.chw(), size, size), ImageTensors.toImage(e.input(), size, size),
                    ImageTensors.toImage(scaled(e.target()), size, size), ImageTensors.toImage(scaled(predicted), size, size),
                    ImageTensors.toImage(objective.denoise(e.input(), predicted), size, size)));
        }
        return Grid.of(List.of("clean", "noisy input", "true target", "predicted", "denoised"), rows, 128);
    }

    /** Noise has unit variance: shown at a third of its scale so that it fits the [-1, 1] picture range. */
    private static float[] scaled(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / 3f;
        }
        return out;
    }

    private static BufferedImage predictionGrid(StageContext ctx, RunDir models, List<FinetuneRun> runs)
            throws IOException {
        DdepConfig c = ctx.config();
        String dataset = c.data().segmentationDataset();
        Manifest manifest = ctx.shards().manifest(dataset);
        Palette palette = new Palette(manifest.classNames(), manifest.classColours());
        var protocol = c.evaluate().forLayout(manifest.layout(), c.finetune().schedule().imageSize());
        List<String> columns = new ArrayList<>(List.of("image", "true mask"));
        List<Segmenter> segmenters = new ArrayList<>();
        for (FinetuneRun r : runs) {
            segmenters.add(new Segmenter(Models.load(ctx.files(), r.dir(models, DdepConfig.FINETUNE), "report"),
                    c.model().inputDivisor(), protocol));
            columns.add(r.id());
        }
        List<List<BufferedImage>> rows = new ArrayList<>();
        for (ShardRecord r : samples(ctx, dataset, c.data().evalSplit(), true, c.reportSamples())) {
            Augment.Sample s = EpochData.sample(r, true);
            List<BufferedImage> row = new ArrayList<>();
            row.add(ImageTensors.toImage(s.chw(), s.height(), s.width()));
            row.add(palette.render(s.mask(), s.height(), s.width()));
            for (Segmenter m : segmenters) {
                row.add(palette.render(m.predict(s), s.height(), s.width()));
            }
            rows.add(row);
        }
        return Grid.of(columns, rows, 128);
    }

    /** Both variants at the smallest and largest fraction of the label-efficiency sweep, where fine-tuned. */
    private static List<FinetuneRun> sweptRuns(StageContext ctx) throws IOException {
        List<FinetuneRun> all = ReportSections.sweepRuns(ctx);
        double lo = all.get(0).fraction();
        double hi = all.get(all.size() - 1).fraction();
        RunDir sweep = new RunDir(ctx.run().path(Sweep.DIR), ctx.files());
        List<FinetuneRun> out = new ArrayList<>();
        for (FinetuneRun r : all) {
            if ((r.fraction() == lo || r.fraction() == hi) && ctx.run().done(r.dir(sweep, DdepConfig.FINETUNE))) {
                out.add(r);
            }
        }
        return out;
    }

    /** Encoded first, then replaced whole: a report read while it is redrawn never shows half a PNG. */
    static void writePng(HadoopFiles files, String uri, BufferedImage img) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        files.writeBytes(uri, png.toByteArray());
    }
}
