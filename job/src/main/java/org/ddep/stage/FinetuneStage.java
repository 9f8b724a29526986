package org.ddep.stage;

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
        DdepConfig c = ctx.config();
        StageSchedule s = c.finetune().schedule();
        String dataset = c.data().segmentationDataset();
        Manifest manifest = ctx.shards().manifest(dataset);
        // The baseline takes only the encoder of stage 1; DDeP takes encoder and decoder of stage 2.
        boolean ddep = r.variant().equals(FinetuneSettings.DDEP);
        ComputationGraph pre = Models.load(ctx.files(), ctx.run().stage(ddep ? DdepConfig.PRETRAIN_DECODER
                : DdepConfig.PRETRAIN_ENCODER), name());
        String[] parts = ddep ? new String[]{Parts.ENCODER, Parts.DECODER} : new String[]{Parts.ENCODER};
        LOG.info("{} {}: {} of the labels of {} split {}, initialised from {}", name(), r.id(), r.fraction(), dataset,
                c.data().trainSplit(), String.join("+", parts));
        Training.fit(ctx, name() + " " + r.id(), dir, ctx.shards().labelled(dataset, c.data().trainSplit(), r.fraction()),
                dataset + " split " + c.data().trainSplit() + " has no labelled rows with label_key < " + r.fraction(),
                s, true,
                plan -> {
                    ComputationGraph net = ModelFactory.create(c.model(), Head.segment(manifest.numClasses()),
                            plan.schedule(), c.seed());
                    Weights.copyByPrefix(pre, net, parts);
                    return net;
                },
                EpochData.segmentation(s.imageSize(), s.flip(), manifest.numClasses()), (e, m) -> { });
    }
}
