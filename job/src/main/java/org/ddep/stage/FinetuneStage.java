package org.ddep.stage;

import org.apache.spark.sql.Dataset;
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
    /** A column added while repeating a small fraction's rows, dropped again. */
    private static final String COPY = "_copy";

    @Override
    public String name() {
        return DdepConfig.FINETUNE;
    }

    @Override
    public String description() {
        return "Fine-tune encoder and decoder on fractions of the labels, from DDeP and from a random decoder.";
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
        fineTune(ctx, ctx.run(), r, dir, ctx.config().finetune().schedule(), 0);
    }

    /**
     * Fine-tunes one run into {@code dir}, starting from the pretrained models in {@code pretrained}.
     * Labelled images fewer than one averaging round (global batch x averaging frequency) are repeated
     * until they fill one, each copy with its own crop and flip, so every round averages full
     * minibatches of every worker (the schedule counts a short round's updates either way).
     *
     * @param examples when positive, the run's length in training examples (a sweep's fixed budget):
     *                 the epochs are chosen to see about that many; 0 = {@code s.epochs()}
     */
    static void fineTune(StageContext runCtx, RunDir pretrained, FinetuneRun r, String dir, StageSchedule s,
                         long examples) throws Exception {
        // The run's seed draws everything random below: the head (and the baseline's decoder), crops, flips, order.
        StageContext ctx = runCtx.with(runCtx.config().withSeed(r.seed()));
        DdepConfig c = ctx.config();
        String dataset = c.data().segmentationDataset();
        Manifest manifest = ctx.shards().manifest(dataset);
        // The baseline takes only the encoder of stage 1; DDeP takes encoder and decoder of stage 2.
        boolean ddep = r.variant().equals(FinetuneSettings.DDEP);
        ComputationGraph pre = Models.load(ctx.files(), pretrained.stage(ddep ? DdepConfig.PRETRAIN_DECODER
                : DdepConfig.PRETRAIN_ENCODER), DdepConfig.FINETUNE);
        String[] parts = ddep ? new String[]{Parts.ENCODER, Parts.DECODER} : new String[]{Parts.ENCODER};
        Dataset<Row> labelled = ctx.shards().labelled(dataset, c.data().trainSplit(), r.fraction());
        long n = labelled.count();
        long round = (long) s.globalBatch() * c.train().averagingFrequency();
        int copies = n == 0 ? 1 : (int) Math.max(1, (round + n - 1) / n);
        if (copies > 1) {
            labelled = labelled.crossJoin(ctx.spark().range(copies).withColumnRenamed("id", COPY)).drop(COPY);
        }
        StageSchedule run = s;
        if (examples > 0 && n > 0) {
            long perEpoch = n * copies;
            int epochs = (int) Math.max(1, (examples + perEpoch - 1) / perEpoch);
            run = new StageSchedule(s.stage(), epochs, s.globalBatch(), s.learningRate(), s.imageSize(), s.flip());
        }
        LOG.info("{} {}: {} of the labels of {} split {} ({} images{}), {} epochs, seed {}, initialised from {}",
                DdepConfig.FINETUNE, r.id(), r.fraction(), dataset, c.data().trainSplit(), n,
                copies > 1 ? ", each repeated " + copies + "x to fill an averaging round of " + round : "",
                run.epochs(), r.seed(), String.join("+", parts));
        Training.fit(ctx, DdepConfig.FINETUNE + " " + r.id(), dir, labelled,
                dataset + " split " + c.data().trainSplit() + " has no labelled rows with label_key < " + r.fraction(),
                run, true,
                plan -> {
                    ComputationGraph net = ModelFactory.create(c.model(), Head.segment(manifest.numClasses()),
                            plan.schedule(), c.seed());
                    Weights.copyByPrefix(pre, net, parts);
                    return Training.Start.of(net);
                },
                EpochData.segmentation(run.imageSize(), run.flip(), manifest.numClasses()), (e, m) -> { });
    }

}
