package org.ddep.stage;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.ddep.config.StageSchedule;
import org.ddep.config.TrainSettings;
import org.ddep.data.EpochData;
import org.ddep.data.EpochOrder;
import org.ddep.train.SparkTrainer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.function.UnaryOperator;

/** What every training stage does: read its rows, plan, build the model, train, save {@code model.zip}. */
final class Training {
    private Training() {
    }

    /** How a stage builds its starting model once the plan (and so the schedule's length) is known. */
    interface Init {
        Start create(SparkTrainer.Plan plan) throws Exception;
    }

    /**
     * What a stage trains: {@code net}, fed by {@code frozenEncoder}'s features when there is one (the
     * decoder stage, {@link org.ddep.model.EncoderSplit}); {@code model} turns the trained net into the
     * model the stage saves.
     */
    record Start(ComputationGraph net, ComputationGraph frozenEncoder, UnaryOperator<ComputationGraph> model) {
        static Start of(ComputationGraph net) {
            return new Start(net, null, UnaryOperator.identity());
        }
    }

    /**
     * Trains on {@code examples} (shard rows) into {@code dir}: counts the rows of each input
     * partition (ids only), plans the epochs' order and rounds from them, builds the model, runs (or
     * resumes) the epochs a window of rounds at a time, saves the final model. Nothing is cached: each
     * window re-reads the input partitions it touches and moves only their compact rows.
     *
     * @param perPixelLoss report the loss per pixel of the {@code s.imageSize()} input (dense heads)
     */
    static ComputationGraph fit(StageContext ctx, String label, String dir, Dataset<Row> examples, String what,
                                StageSchedule s, boolean perPixelLoss, Init init, EpochData.ExampleFn fn,
                                SparkTrainer.EpochEnd afterEpoch) throws Exception {
        long[] partitionRows = EpochData.partitionRows(examples);
        long n = java.util.Arrays.stream(partitionRows).sum();
        if (n == 0) {
            throw new IllegalStateException(label + ": no training examples: " + what);
        }
        SparkTrainer.Plan plan = plan(ctx, label, s, n, perPixelLoss ? 1.0 / ((double) s.imageSize() * s.imageSize()) : 1.0);
        Start start = init.create(plan);
        EpochOrder order = new EpochOrder(partitionRows, plan.rounds(), plan.chunkRounds(), ctx.config().seed());
        JavaRDD<Row> rows = examples.javaRDD();
        ComputationGraph trained = new SparkTrainer(ctx.sc(), ctx.files(), dir, plan, ctx.extraHooks(),
                ctx.config().train().collectStats(), ctx.config().train().workspaces())
                .train(start.net(), start.frozenEncoder(), SparkTrainer.RoundSource.of(rows, order, fn), afterEpoch);
        ComputationGraph model = start.model().apply(trained);
        Models.save(ctx.files(), dir, model);
        return model;
    }

    static SparkTrainer.Plan plan(StageContext ctx, String stage, StageSchedule s, long examples, double lossScale) {
        TrainSettings t = ctx.config().train();
        return new SparkTrainer.Plan(stage, s.epochs(), s.globalBatch(), t.workers(), t.averagingFrequency(),
                t.prefetchBatches(), s.learningRate(), ctx.config().seed(), t.stopOnNan(), examples, lossScale,
                t.chunkRounds(), t.checkpointRounds(), t.checkpointMinutes());
    }
}
