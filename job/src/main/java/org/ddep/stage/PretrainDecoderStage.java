package org.ddep.stage;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.ddep.config.DdepConfig;
import org.ddep.config.StageSchedule;
import org.ddep.data.EpochData;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.model.Parts;
import org.ddep.model.Weights;
import org.ddep.train.CosineDecay;
import org.ddep.train.SparkTrainer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

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
    public void run(StageContext ctx) throws Exception {
        DdepConfig c = ctx.config();
        StageSchedule s = c.decoder();
        String dataset = c.data().pretrainDataset();
        JavaRDD<Row> rows = Training.rows(ctx.shards().split(dataset, c.data().trainSplit()), c.train()).cache();
        long n = rows.count();
        Training.requireExamples(n, dataset + " split " + c.data().trainSplit() + " is empty");
        // Per-pixel heads: DL4J's score sums over pixels; report the mean squared error per value.
        SparkTrainer.Plan plan = Training.plan(ctx, name(), s, n, 1.0 / ((double) s.imageSize() * s.imageSize()));

        ComputationGraph encoder = Models.load(ctx.files(), ctx.run().stage(DdepConfig.PRETRAIN_ENCODER), name());
        ComputationGraph full = ModelFactory.create(c.model(), Head.denoise(),
                new CosineDecay(s.learningRate(), plan.totalIterations()), c.seed());
        Weights.copyByPrefix(encoder, full, Parts.ENCODER);
        ComputationGraph net = Weights.freezeUpTo(full, ModelFactory.encoderBoundary(c.model()));
        Map<String, INDArray> frozen = Weights.snapshot(net, Parts.ENCODER);

        String dir = ctx.run().stage(name());
        EpochData.ExampleFn fn = EpochData.denoising(s.imageSize(), s.flip(), c.noise());
        ComputationGraph trained = Training.trainer(ctx, dir, plan).train(net,
                epoch -> EpochData.of(rows, c.seed(), epoch, fn),
                // Averaging identical copies can round differently with some worker counts: the frozen
                // encoder is put back bit for bit after every epoch.
                (e, m) -> frozen.forEach(m::setParam));
        Models.save(ctx.files(), dir, trained);
        rows.unpersist(false);
    }
}
