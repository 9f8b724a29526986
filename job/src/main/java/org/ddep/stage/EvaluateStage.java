package org.ddep.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.ddep.config.DdepConfig;
import org.ddep.config.EvalSettings;
import org.ddep.data.HadoopFiles;
import org.ddep.eval.ConfusionMatrix;
import org.ddep.eval.Evaluator;
import org.ddep.eval.MeanIoU;
import org.ddep.prep.Manifest;
import org.ddep.prep.ShardSchema;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * Evaluates every fine-tuned model on the held-out split: {@code evaluate/<run>/metrics.json} and
 * {@code per_class_iou.csv}.
 */
public final class EvaluateStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ddep");
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The mIoU convention, as mmsegmentation's: classes whose union of truth and prediction is empty are left out. */
    static final String MIOU_CONVENTION = "mean of per-class IoU over the classes present in the ground truth or the "
            + "prediction (classes with a union of 0 are excluded, as in mmsegmentation); ignore pixels (255) excluded";
    static final String METRICS = "metrics.json";
    static final String PER_CLASS = "per_class_iou.csv";

    @Override
    public String name() {
        return DdepConfig.EVALUATE;
    }

    @Override
    public String description() {
        return "mIoU, per-class IoU and pixel accuracy of every fine-tuned model on the held-out split (with TTA).";
    }

    @Override
    public void run(StageContext ctx) throws Exception {
        DdepConfig c = ctx.config();
        try (HeldOut heldOut = HeldOut.of(ctx)) {
            for (FinetuneRun r : FinetuneRun.all(c)) {
                evaluate(ctx, heldOut, r, r.dir(ctx.run(), DdepConfig.FINETUNE), r.dir(ctx.run(), name()));
            }
        }
    }

    /** The labelled rows of the evaluation split, cached while several models are evaluated on them. */
    record HeldOut(String dataset, Manifest manifest, JavaRDD<Row> rows, EvalSettings.Protocol protocol)
            implements AutoCloseable {
        static HeldOut of(StageContext ctx) throws IOException {
            DdepConfig c = ctx.config();
            String dataset = c.data().segmentationDataset();
            Manifest manifest = ctx.shards().manifest(dataset);
            JavaRDD<Row> rows = ctx.shards().split(dataset, c.data().evalSplit())
                    .where(col(ShardSchema.MASK).isNotNull()).javaRDD().cache();
            EvalSettings.Protocol p = c.evaluate().forLayout(manifest.layout(), c.finetune().schedule().imageSize());
            LOG.info("evaluate: {} split {}, test-time augmentation: {}", dataset, c.data().evalSplit(), p.describe());
            return new HeldOut(dataset, manifest, rows, p);
        }

        @Override
        public void close() {
            rows.unpersist(false);
        }
    }

    /** Evaluates the model in {@code modelDir} into {@code outDir}; returns the metrics written. */
    static Map<String, Object> evaluate(StageContext ctx, HeldOut h, FinetuneRun r, String modelDir, String outDir)
            throws Exception {
        DdepConfig c = ctx.config();
        ComputationGraph net = Models.load(ctx.files(), modelDir, DdepConfig.EVALUATE);
        ctx.sc().setJobGroup(DdepConfig.EVALUATE, DdepConfig.EVALUATE + " " + r.id(), false);
        long t0 = System.nanoTime();
        Evaluator.Tally t = Evaluator.evaluate(ctx.sc(), net, h.rows(), h.manifest().numClasses(),
                c.model().inputDivisor(), h.protocol(), DdepConfig.EVALUATE + " " + r.id());
        MeanIoU iou = MeanIoU.of(t.matrix());
        Map<String, Object> perClass = new LinkedHashMap<>();
        for (int k = 0; k < h.manifest().numClasses(); k++) {
            double v = iou.perClassIou().get(k);
            perClass.put(h.manifest().classNames().get(k), Double.isNaN(v) ? null : v);
        }
        Map<String, Object> tta = new LinkedHashMap<>();
        tta.put("flip", h.protocol().flip());
        tta.put("scales", h.protocol().scales());
        tta.put("sliding_window", h.protocol().slidingWindow());
        tta.put("window", h.protocol().window());
        tta.put("stride", h.protocol().stride());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("variant", r.variant());
        out.put("label_fraction", r.fraction());
        out.put("dataset", h.dataset());
        out.put("split", c.data().evalSplit());
        out.put("miou", nullIfNaN(iou.miou()));
        out.put("miou_convention", MIOU_CONVENTION);
        out.put("pixel_accuracy", nullIfNaN(iou.pixelAccuracy()));
        out.put("per_class_iou", perClass);
        out.put("images", iou.images());
        out.put("pixels", iou.pixels());
        out.put("skipped_images", t.skipped());
        out.put("skipped", t.skippedRows());
        out.put("tta", tta);
        out.put("seconds", (System.nanoTime() - t0) / 1e9);
        ctx.files().writeString(HadoopFiles.join(outDir, PER_CLASS), perClassCsv(t.matrix(), iou, h.manifest().classNames()));
        ctx.files().writeString(HadoopFiles.join(outDir, METRICS), JSON.writeValueAsString(out));
        if (t.skipped() > 0) {
            LOG.warn("{} {}: {} images could not be read and were skipped, e.g. {}", DdepConfig.EVALUATE, r.id(),
                    t.skipped(), t.skippedRows());
        }
        LOG.info("{} {}: mIoU {} pixel accuracy {} on {} images ({} pixels) in {} s", DdepConfig.EVALUATE, r.id(),
                String.format("%.4f", iou.miou()), String.format("%.4f", iou.pixelAccuracy()), iou.images(), iou.pixels(),
                String.format("%.1f", (System.nanoTime() - t0) / 1e9));
        ctx.sc().clearJobGroup();
        return out;
    }

    private static Object nullIfNaN(double v) {
        return Double.isNaN(v) ? null : v;
    }

    /** One line per class: id, name, IoU (empty when the class is in neither truth nor prediction), pixel counts. */
    static String perClassCsv(ConfusionMatrix m, MeanIoU iou, List<String> names) {
        StringBuilder b = new StringBuilder("class_id,class_name,iou,true_pixels,predicted_pixels,intersection,union\n");
        for (int k = 0; k < m.classes(); k++) {
            long truth = 0;
            long predicted = 0;
            for (int j = 0; j < m.classes(); j++) {
                truth += m.count(k, j);
                predicted += m.count(j, k);
            }
            long tp = m.count(k, k);
            double v = iou.perClassIou().get(k);
            b.append(k).append(',').append(csv(k < names.size() ? names.get(k) : "class" + k)).append(',')
                    .append(Double.isNaN(v) ? "" : String.format("%.6f", v)).append(',').append(truth).append(',')
                    .append(predicted).append(',').append(tp).append(',').append(truth + predicted - tp).append('\n');
        }
        return b.toString();
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
