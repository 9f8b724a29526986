package org.ddep.stage;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.ddep.config.DdepConfig;
import org.ddep.config.FinetuneSettings;
import org.ddep.config.StageSchedule;
import org.ddep.data.EpochData;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.model.Parts;
import org.ddep.model.Weights;
import org.ddep.prep.Manifest;
import org.ddep.train.CosineDecay;
import org.ddep.train.SparkTrainer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 3: fine-tuning of encoder and decoder together on a fraction of the labels (PAPER.md
 * "Fine-tuning"). The denoising head is replaced by a fresh class head and everything trains.
 * Variant {@code ddep} starts from the denoising-pretrained encoder and decoder; variant
 * {@code random-decoder} from the same encoder with a randomly initialised decoder (the baseline).
 */
public final class FinetuneStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger("ddep");

    @Override
    public String name() {
        return DdepConfig.FINETUNE;
    }

    @Override
    public void run(StageContext ctx) throws Exception {
        for (FinetuneRun r : FinetuneRun.all(ctx.config())) {
            String dir = r.dir(ctx.run(), name());
            if (ctx.run().done(dir)) {
                LOG.info("{} {}: finished earlier, skipped", name(), r.id());
                continue;
            }
            runOne(ctx, r, dir);
            ctx.run().markDone(dir);
        }
    }

    private void runOne(StageContext ctx, FinetuneRun r, String dir) throws Exception {
        DdepConfig c = ctx.config();
        StageSchedule s = c.finetune().schedule();
        String dataset = c.data().segmentationDataset();
        Manifest manifest = ctx.shards().manifest(dataset);
        JavaRDD<Row> rows = Training.rows(ctx.shards().labelled(dataset, c.data().trainSplit(), r.fraction()),
                c.train()).cache();
        long n = rows.count();
        Training.requireExamples(n, dataset + " split " + c.data().trainSplit() + " has no labelled rows with label_key < "
                + r.fraction());
        LOG.info("{} {}: {} labelled images ({} of {} in {})", name(), r.id(), n, r.fraction(),
                manifest.labelledCounts().getOrDefault(c.data().trainSplit(), 0L), c.data().trainSplit());
        SparkTrainer.Plan plan = Training.plan(ctx, name() + " " + r.id(), s, n, 1.0 / ((double) s.imageSize() * s.imageSize()));
        ComputationGraph net = ModelFactory.create(c.model(), Head.segment(manifest.numClasses()),
                new CosineDecay(s.learningRate(), plan.totalIterations()), c.seed());
        if (r.variant().equals(FinetuneSettings.DDEP)) {
            ComputationGraph pre = Models.load(ctx.files(), ctx.run().stage(DdepConfig.PRETRAIN_DECODER), name());
            Weights.copyByPrefix(pre, net, Parts.ENCODER, Parts.DECODER);
        } else {
            ComputationGraph pre = Models.load(ctx.files(), ctx.run().stage(DdepConfig.PRETRAIN_ENCODER), name());
            Weights.copyByPrefix(pre, net, Parts.ENCODER);
        }
        EpochData.ExampleFn fn = EpochData.segmentation(s.imageSize(), s.flip(), manifest.numClasses());
        ComputationGraph trained = Training.trainer(ctx, dir, plan)
                .train(net, epoch -> EpochData.of(rows, c.seed(), epoch, fn), (e, m) -> { });
        Models.save(ctx.files(), dir, trained);
        rows.unpersist(false);
    }
}
