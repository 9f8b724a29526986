package org.ddep.stage;

import org.ddep.config.DdepConfig;
import org.ddep.config.StageSchedule;
import org.ddep.data.EpochData;
import org.ddep.model.EncoderSplit;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.model.Parts;
import org.ddep.model.Weights;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Stage 2, Decoder Denoising Pretraining (PAPER.md "Denoising objective"): the pretrained encoder
 * is frozen, the decoder with a 3-channel linear head learns to predict the noise added to
 * unlabelled images, with an L2 loss. Labels of the pretraining set are not used.
 */
public final class PretrainDecoderStage implements Stage {
    @Override
    public String name() {
        return DdepConfig.PRETRAIN_DECODER;
    }

    @Override
    public String description() {
        return "Decoder denoising pretraining (encoder frozen).";
    }

    @Override
    public void run(StageContext ctx) throws Exception {
        DdepConfig c = ctx.config();
        StageSchedule s = c.decoder();
        String dataset = c.data().pretrainDataset();
        ComputationGraph encoder = Models.load(ctx.files(), ctx.run().stage(DdepConfig.PRETRAIN_ENCODER), name());
        Training.fit(ctx, name(), ctx.run().stage(name()), ctx.shards().split(dataset, c.data().trainSplit()),
                dataset + " split " + c.data().trainSplit() + " is empty", s, true,
                plan -> {
                    ComputationGraph whole = ModelFactory.create(c.model(), Head.denoise(), plan.schedule(), c.seed());
                    Weights.copyByPrefix(encoder, whole, Parts.ENCODER);
                    // The frozen encoder runs as inference on the workers; only the decoder and head are
                    // trained and averaged. The saved model is the whole model again, its encoder frozen and
                    // untouched.
                    EncoderSplit split = new EncoderSplit(whole.getConfiguration());
                    ComputationGraph features = split.encoder(whole);
                    return new Training.Start(split.decoder(whole), features, d -> Weights.freezeUpTo(
                            split.join(features, d), ModelFactory.encoderBoundary(c.model())));
                },
                EpochData.denoising(s.imageSize(), s.flip(), c.noise()), (e, m) -> { });
    }
}
