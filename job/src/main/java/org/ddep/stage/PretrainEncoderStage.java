package org.ddep.stage;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.ddep.config.DdepConfig;
import org.ddep.config.StageSchedule;
import org.ddep.data.EpochData;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.prep.Manifest;
import org.ddep.train.CosineDecay;
import org.ddep.train.SparkTrainer;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Stage 1: supervised classification pretraining of the encoder (a global-pool + softmax head on
 * the encoder) on the pretraining set's image-level classes. The saved model is the encoder with its
 * classification head; later stages take only its {@code enc_} weights.
 */
public final class PretrainEncoderStage implements Stage {
    @Override
    public String name() {
        return DdepConfig.PRETRAIN_ENCODER;
    }

    @Override
    public void run(StageContext ctx) throws Exception {
        DdepConfig c = ctx.config();
        StageSchedule s = c.encoder();
        String dataset = c.data().pretrainDataset();
        Manifest manifest = ctx.shards().manifest(dataset);
        JavaRDD<Row> rows = Training.rows(ctx.shards().classified(dataset, c.data().trainSplit()), c.train()).cache();
        long n = rows.count();
        Training.requireExamples(n, dataset + " split " + c.data().trainSplit() + " has no rows with a class label");
        SparkTrainer.Plan plan = Training.plan(ctx, name(), s, n, 1.0);
        ComputationGraph net = ModelFactory.create(c.model(), Head.classify(manifest.numClasses()),
                new CosineDecay(s.learningRate(), plan.totalIterations()), c.seed());
        String dir = ctx.run().stage(name());
        EpochData.ExampleFn fn = EpochData.classification(s.imageSize(), s.flip(), manifest.numClasses());
        ComputationGraph trained = Training.trainer(ctx, dir, plan)
                .train(net, epoch -> EpochData.of(rows, c.seed(), epoch, fn), (e, m) -> { });
        Models.save(ctx.files(), dir, trained);
        rows.unpersist(false);
    }
}
