package org.ddep.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.spark.sql.Row;
import org.ddep.config.DdepConfig;
import org.ddep.data.HadoopFiles;
import org.ddep.eval.ConfusionMatrix;
import org.ddep.eval.Evaluator;
import org.ddep.eval.MeanIoU;
import org.ddep.prep.Manifest;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/** Evaluates every fine-tuned model on the held-out split: {@code evaluate/<run>/metrics.json}. */
public final class EvaluateStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ddep");
    static final String METRICS = "metrics.json";
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public String name() {
        return DdepConfig.EVALUATE;
    }

    @Override
    public String description() {
        return "mIoU, per-class IoU and pixel accuracy of every fine-tuned model on the held-out split.";
    }

    @Override
    public void run(StageContext ctx) throws Exception {
        DdepConfig c = ctx.config();
        String dataset = c.data().segmentationDataset();
        Manifest manifest = ctx.shards().manifest(dataset);
        var rows = ctx.shards().split(dataset, c.data().evalSplit())
                .where(col(org.ddep.prep.ShardSchema.MASK).isNotNull()).javaRDD().cache();
        for (FinetuneRun r : FinetuneRun.all(c)) {
            ComputationGraph net = Models.load(ctx.files(), r.dir(ctx.run(), DdepConfig.FINETUNE), name());
            ctx.sc().setJobGroup(name(), name() + " " + r.id(), false);
            ConfusionMatrix m = Evaluator.confusion(ctx.sc(), net, rows, manifest.numClasses(),
                    c.model().inputDivisor(), c.evaluate().flip());
            MeanIoU iou = MeanIoU.of(m);
            Map<String, Object> perClass = new LinkedHashMap<>();
            for (int k = 0; k < manifest.numClasses(); k++) {
                double v = iou.perClassIou().get(k);
                perClass.put(manifest.classNames().get(k), Double.isNaN(v) ? null : v);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("variant", r.variant());
            out.put("label_fraction", r.fraction());
            out.put("dataset", dataset);
            out.put("split", c.data().evalSplit());
            out.put("miou", iou.miou());
            out.put("pixel_accuracy", iou.pixelAccuracy());
            out.put("per_class_iou", perClass);
            out.put("images", iou.images());
            out.put("pixels", iou.pixels());
            out.put("miou_convention", "mean over classes with a non-empty union of truth and prediction");
            out.put("flip_tta", c.evaluate().flip());
            ctx.files().writeString(HadoopFiles.join(r.dir(ctx.run(), name()), METRICS),
                    JSON.writeValueAsString(out));
            LOG.info("{} {}: mIoU {} pixel accuracy {} on {} images", name(), r.id(),
                    String.format("%.4f", iou.miou()), String.format("%.4f", iou.pixelAccuracy()), iou.images());
        }
        ctx.sc().clearJobGroup();
        rows.unpersist(false);
    }
}
