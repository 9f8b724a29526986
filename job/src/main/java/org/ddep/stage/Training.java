package org.ddep.stage;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.ddep.config.StageSchedule;
import org.ddep.config.TrainSettings;
import org.ddep.data.EpochData;
import org.ddep.train.SparkTrainer;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.function.Function;

/** What every training stage does: read its rows, plan, build the model, train, save {@code model.zip}. */
final class Training {
    private Training() {
    }

    /** How a stage builds its starting model once the plan (and so the schedule's length) is known. */
    interface Init {
        ComputationGraph create(SparkTrainer.Plan plan) throws Exception;
    }

    /**
     * Trains on {@code examples} (shard rows) into {@code dir}: caches the rows, plans from their
     * count, builds the model, runs (or resumes) the epochs, saves the final model.
     *
     * @param perPixelLoss report the loss per pixel of the {@code s.imageSize()} input (dense heads)
     */
    static ComputationGraph fit(StageContext ctx, String label, String dir, Dataset<Row> examples, String what,
                                StageSchedule s, boolean perPixelLoss, Init init, EpochData.ExampleFn fn,
                                SparkTrainer.EpochEnd afterEpoch) throws Exception {
        JavaRDD<Row> rows = spread(examples, ctx.config().train()).cache();
        try {
            long n = rows.count();
            if (n == 0) {
                throw new IllegalStateException(label + ": no training examples: " + what);
            }
            SparkTrainer.Plan plan = plan(ctx, label, s, n, perPixelLoss ? 1.0 / ((double) s.imageSize() * s.imageSize()) : 1.0);
            ComputationGraph net = init.create(plan);
            long seed = ctx.config().seed();
            ComputationGraph trained = new SparkTrainer(ctx.sc(), ctx.files(), dir, plan, ctx.extraHooks(),
                    ctx.config().train().collectStats())
                    .train(net, epoch -> EpochData.of(rows, seed, epoch, fn), afterEpoch);
            Models.save(ctx.files(), dir, trained);
            return trained;
        } finally {
            rows.unpersist(false);
        }
    }

    /** Shard rows spread over at least as many partitions as workers, so every worker decodes. */
    static JavaRDD<Row> spread(Dataset<Row> df, TrainSettings train) {
        JavaRDD<Row> rows = df.javaRDD();
        return rows.getNumPartitions() < train.workers() ? rows.repartition(train.workers()) : rows;
    }

    static SparkTrainer.Plan plan(StageContext ctx, String stage, StageSchedule s, long examples, double lossScale) {
        TrainSettings t = ctx.config().train();
        return new SparkTrainer.Plan(stage, s.epochs(), s.globalBatch(), t.workers(), t.averagingFrequency(),
                t.prefetchBatches(), s.learningRate(), ctx.config().seed(), t.stopOnNan(), examples, lossScale);
    }
}
