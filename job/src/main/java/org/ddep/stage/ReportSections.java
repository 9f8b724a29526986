package org.ddep.stage;

import org.ddep.config.DdepConfig;
import org.ddep.config.FinetuneSettings;
import org.ddep.data.HadoopFiles;
import org.ddep.eval.Estimate;
import org.ddep.prep.Manifest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The tables of {@code report/index.md} that come from files other stages wrote: evaluation, sweeps, data. */
final class ReportSections {
    private ReportSections() {
    }

    /**
     * The label-efficiency sweep's runs of the configured fractions with the run's own seed, both variants, where
     * they exist or not (the per-class table and the prediction grid show one seed; the statistics all of them).
     */
    static List<FinetuneRun> sweepRuns(StageContext ctx) {
        List<FinetuneRun> out = new ArrayList<>();
        for (double f : ctx.config().sweep().fractions().stream().sorted().toList()) {
            for (String v : List.of(FinetuneSettings.DDEP, FinetuneSettings.RANDOM_DECODER)) {
                out.add(FinetuneRun.of(ctx.config(), v, f));
            }
        }
        return out;
    }

    /**
     * The pipeline's results: per label fraction and variant the seeds, mean, sd and 95% interval of the mIoU,
     * then DDeP - baseline paired by seed, and a sentence per fraction saying what the difference shows.
     *
     * @param miou fraction -> variant -> seed -> mIoU
     */
    static void results(Map<Double, Map<String, Map<Long, Double>>> miou, List<Long> seeds, StringBuilder md) {
        md.append("## Results\n\nmIoU on the held-out split over ").append(seeds.size())
                .append(seeds.size() == 1 ? " fine-tuning seed" : " fine-tuning seeds").append(" (")
                .append(seeds.stream().map(String::valueOf).collect(Collectors.joining(", ")))
                .append("; `sweep.seeds`, `--seeds`). 95% CI: Student's t over seeds; the difference pairs the two "
                        + "variants of each seed.\n\n| variant | label fraction | seeds | mIoU (mean) | sd | 95% CI |\n"
                        + "|---|---|---|---|---|---|\n");
        if (miou.isEmpty()) {
            md.append("| (none evaluated: run `evaluate`; a sweep's results follow below) | | | | | |\n");
            return;
        }
        List<String> words = new ArrayList<>();
        for (Map.Entry<Double, Map<String, Map<Long, Double>>> f : miou.entrySet()) {
            String fraction = Sweep.plain(f.getKey());
            for (Map.Entry<String, Map<Long, Double>> v : f.getValue().entrySet()) {
                tableRow(md, v.getKey(), fraction, Estimate.of(values(v.getValue(), seeds)));
            }
            Map<Long, Double> ddep = f.getValue().get(FinetuneSettings.DDEP);
            Map<Long, Double> base = f.getValue().get(FinetuneSettings.RANDOM_DECODER);
            if (ddep != null && base != null) {
                Estimate d = Estimate.paired(values(ddep, seeds), values(base, seeds));
                tableRow(md, "DDeP - baseline (paired)", fraction, d);
                words.add(verdict("label fraction " + fraction, d));
            }
        }
        md.append('\n');
        words.forEach(w -> md.append("- ").append(w).append('\n'));
    }

    private static double[] values(Map<Long, Double> bySeed, List<Long> seeds) {
        return seeds.stream().mapToDouble(s -> bySeed.getOrDefault(s, Double.NaN)).toArray();
    }

    private static void tableRow(StringBuilder md, String variant, String fraction, Estimate e) {
        md.append("| ").append(variant).append(" | ").append(fraction).append(" | ").append(e.n()).append(" | ")
                .append(ReportStage.figure(nanToNull(e.mean()))).append(" | ").append(ReportStage.figure(nanToNull(e.sd())))
                .append(" | ").append(e.n() < 2 ? "" : "[" + ReportStage.figure(e.low()) + ", "
                        + ReportStage.figure(e.high()) + "]").append(" |\n");
    }

    private static Double nanToNull(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /**
     * One sentence on the paired difference DDeP - baseline at one point: ahead, behind or not distinguishable at
     * 95%; with one seed, that the difference is no result.
     */
    static String verdict(String where, Estimate d) {
        return verdict(where, d, "DDeP", "the baseline");
    }

    /** The same for any paired difference {@code subject - reference}. */
    static String verdict(String where, Estimate d, String subject, String reference) {
        String mean = String.format(Locale.ROOT, "%+.4f", d.mean());
        String ci = String.format(Locale.ROOT, "95%% CI %+.4f to %+.4f over %d paired seeds", d.low(), d.high(), d.n());
        return switch (d.verdict()) {
            case AHEAD -> "At " + where + ", " + subject + " is **ahead** of " + reference + ": " + mean + " mIoU ("
                    + ci + ").";
            case BEHIND -> "At " + where + ", " + subject + " is **behind** " + reference + ": " + mean + " mIoU ("
                    + ci + ").";
            case NOT_DISTINGUISHABLE -> "At " + where + ", " + subject + " and " + reference + " are **not "
                    + "distinguishable** at 95%: " + mean + " mIoU (" + ci + ").";
            case SINGLE_SEED -> d.n() == 0 ? "At " + where + ", no pair of runs is evaluated yet."
                    : "At " + where + ", **one seed only**: " + subject + " - " + reference + " = " + mean
                    + " mIoU is not a result (one seed says nothing about seed-to-seed variation; run 3 or more "
                    + "with `--seeds`).";
        };
    }

    /** Per-class IoU of every evaluated run of the pipeline and of the sweep, one column per run. */
    static void perClass(StageContext ctx, StringBuilder md) throws IOException {
        List<String> ids = new ArrayList<>();
        List<Map<?, ?>> perClass = new ArrayList<>();
        Map<?, ?> first = null;
        RunDir sweep = new RunDir(ctx.run().path(Sweep.DIR), ctx.files());
        Map<String, String> evaluated = new java.util.LinkedHashMap<>();
        for (FinetuneRun r : FinetuneRun.all(ctx.config())) {
            evaluated.put(r.id(), r.dir(ctx.run(), DdepConfig.EVALUATE));
        }
        for (FinetuneRun r : sweepRuns(ctx)) {
            evaluated.put("sweep " + r.id(), r.dir(sweep, DdepConfig.EVALUATE));
        }
        for (Map.Entry<String, String> e : evaluated.entrySet()) {
            String m = HadoopFiles.join(e.getValue(), EvaluateStage.METRICS);
            if (ctx.files().exists(m)) {
                Map<?, ?> metrics = EvaluateStage.JSON.readValue(ctx.files().readString(m), Map.class);
                first = first == null ? metrics : first;
                ids.add(e.getKey());
                perClass.add((Map<?, ?>) metrics.get("per_class_iou"));
            }
        }
        if (first == null) {
            return;
        }
        md.append("\n### Per-class IoU\n\n").append(first.get("images")).append(" held-out images, ")
                .append(first.get("pixels")).append(" labelled pixels, ").append(first.get("skipped_images"))
                .append(" skipped; test-time augmentation ").append(first.get("tta")).append(". mIoU: ")
                .append(first.get("miou_convention")).append(". Empty: class in neither truth nor prediction.\n\n")
                .append("| class | ").append(String.join(" | ", ids)).append(" |\n|---|")
                .append("---|".repeat(ids.size())).append('\n');
        for (Object name : perClass.get(0).keySet()) {
            md.append("| ").append(name).append(" |");
            for (Map<?, ?> pc : perClass) {
                Object v = pc.get(name);
                md.append(' ').append(ReportStage.figure(v)).append(" |");
            }
            md.append('\n');
        }
    }

    /** The sweeps' plots and tables, when {@code ddep sweep} has written them. */
    static void sweeps(StageContext ctx, StringBuilder md) throws IOException {
        for (String[] sweep : List.of(new String[]{Sweep.LABEL_EFFICIENCY, "Label efficiency (ddep sweep)"},
                new String[]{Sweep.NOISE_LEVEL, "Noise level of decoder pretraining (ddep sweep --mode sigma)"},
                new String[]{Sweep.AVERAGING, "Parameter averaging against synchronous training (ddep sweep --mode "
                        + "averaging)"})) {
            String csv = ctx.run().path("report", sweep[0] + ".csv");
            if (!ctx.files().exists(csv)) {
                continue;
            }
            String[] lines = ctx.files().readString(csv).strip().split("\n");
            md.append("\n## ").append(sweep[1]).append("\n\n![").append(sweep[0]).append("](").append(sweep[0])
                    .append(".png)\n\n| ").append(lines[0].replace(",", " | ")).append(" |\n|")
                    .append("---|".repeat(lines[0].split(",").length)).append('\n');
            for (int i = 1; i < lines.length; i++) {
                md.append("| ").append(lines[i].replace(",", " | ")).append(" |\n");
            }
            md.append("\nMean, sd and Student's t 95% CI over seeds; `").append(SweepTables.DIFFERENCE)
                    .append("` pairs the variants of each seed").append(sweep[0].equals(Sweep.AVERAGING) ? ", `<variant>"
                            + SweepTables.MINUS_SYNCHRONOUS + "` each run with the same variant and seed on 1 worker" : "")
                    .append(". Every run: `").append(sweep[0]).append("_seeds.csv`.\n\n");
            if (sweep[0].equals(Sweep.NOISE_LEVEL) && ctx.files().exists(ctx.run().path("report",
                    Sweep.NOISE_LEVEL_PATHS + ".csv"))) {
                md.append("What each noise level's decoder uses (its denoising loss with each encoder feature set to "
                        + "zero, as in \"What the pretrained decoder uses\" below): `").append(Sweep.NOISE_LEVEL_PATHS)
                        .append(".csv`.\n\n");
            }
            differences(lines, md);
        }
    }

    /** A sentence per difference row of a sweep's table, where the point is named from the table's own columns. */
    private static void differences(String[] lines, StringBuilder md) {
        List<String> header = List.of(lines[0].split(","));
        for (int i = 1; i < lines.length; i++) {
            String[] row = lines[i].split(",", -1);
            String variant = row[header.indexOf("variant")];
            if (!variant.equals(SweepTables.DIFFERENCE) && !variant.endsWith(SweepTables.MINUS_SYNCHRONOUS)) {
                continue;
            }
            Estimate d = new Estimate(Integer.parseInt(row[header.indexOf("seeds")]), number(row[header.indexOf("mean")]),
                    number(row[header.indexOf("sd")]), number(row[header.indexOf("ci95_low")]),
                    number(row[header.indexOf("ci95_high")]));
            String where;
            if (header.get(0).equals("label_fraction")) {
                where = "label fraction " + row[0] + " (" + row[1] + " images)";
            } else if (header.get(0).equals("sigma")) {
                where = "sigma " + row[0] + " (label fraction " + row[1] + ")";
            } else {
                where = new Sweep.Averaging(Integer.parseInt(row[0]), Integer.parseInt(row[1])).words()
                        + " (label fraction " + row[2] + ")";
            }
            String v = variant.replace(SweepTables.MINUS_SYNCHRONOUS, "");
            md.append("- ").append(variant.equals(SweepTables.DIFFERENCE) ? verdict(where, d)
                    : verdict(where, d, v.equals(FinetuneSettings.DDEP) ? "DDeP" : "the baseline",
                    "the same on 1 worker (synchronous)")).append('\n');
        }
    }

    private static double number(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    /** What prep found: rows per split, classes, skipped inputs. */
    static void data(StageContext ctx, StringBuilder md) {
        md.append("\n## Data\n\n");
        DdepConfig c = ctx.config();
        for (String dataset : List.of(c.data().pretrainDataset(), c.data().segmentationDataset())) {
            try {
                Manifest m = ctx.shards().manifest(dataset);
                md.append("- `").append(dataset).append("` (").append(m.layout()).append("): rows ").append(m.counts())
                        .append(", labelled ").append(m.labelledCounts()).append(", ").append(m.numClasses())
                        .append(" classes, ").append(m.skipped().size()).append(" inputs skipped")
                        .append(m.skippedByReason().isEmpty() ? "" : " " + m.skippedByReason()).append('\n');
            } catch (IOException e) {
                md.append("- `").append(dataset).append("`: ").append(e.getMessage()).append('\n');
            }
        }
    }
}
