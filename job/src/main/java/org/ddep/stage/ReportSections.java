package org.ddep.stage;

import org.ddep.config.DdepConfig;
import org.ddep.config.FinetuneSettings;
import org.ddep.data.HadoopFiles;
import org.ddep.prep.Manifest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The tables of {@code report/index.md} that come from files other stages wrote: evaluation, sweeps, data. */
final class ReportSections {
    private ReportSections() {
    }

    /** The label-efficiency sweep's runs of the configured fractions, both variants, where they exist or not. */
    static List<FinetuneRun> sweepRuns(StageContext ctx) {
        List<FinetuneRun> out = new ArrayList<>();
        for (double f : ctx.config().sweep().fractions().stream().sorted().toList()) {
            for (String v : List.of(FinetuneSettings.DDEP, FinetuneSettings.RANDOM_DECODER)) {
                out.add(new FinetuneRun(v, f));
            }
        }
        return out;
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
                new String[]{Sweep.NOISE_LEVEL, "Noise level of decoder pretraining (ddep sweep --mode sigma)"})) {
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
        }
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
