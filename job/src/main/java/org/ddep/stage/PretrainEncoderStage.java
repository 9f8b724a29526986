package org.ddep.stage;

import org.ddep.config.DdepConfig;
import org.ddep.config.StageSchedule;
import org.ddep.data.EpochData;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;

/**
 * Stage 1: supervised classification pretraining of the encoder (a global-pool + softmax head on
 * the encoder) on the pretraining set's image-level classes. The saved model is the encoder with its
 * classification head; later stages take only its {@code enc_} weights, so the head is dropped.
 */
public final class PretrainEncoderStage implements Stage {
    @Override
    public String name() {
        return DdepConfig.PRETRAIN_ENCODER;
    }

    @Override
    public String description() {
        return "Supervised classification pretraining of the encoder.";
    }

    @Override
    public void run(StageContext ctx) throws Exception {
        DdepConfig c = ctx.config();
        StageSchedule s = c.encoder();
        String dataset = c.data().pretrainDataset();
        int classes = ctx.shards().manifest(dataset).numClasses();
        Training.fit(ctx, name(), ctx.run().stage(name()), ctx.shards().classified(dataset, c.data().trainSplit()),
                dataset + " split " + c.data().trainSplit() + " has no rows with a class label", s, false,
                plan -> ModelFactory.create(c.model(), Head.classify(classes), plan.schedule(), c.seed()),
                EpochData.classification(s.imageSize(), s.flip(), classes), (e, m) -> { });
    }
}
