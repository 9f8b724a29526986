package org.ddep.stage;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.ddep.config.StageSchedule;
import org.ddep.config.TrainSettings;
import org.ddep.train.SparkTrainer;

/** Shared setup of the training stages: rows spread over the workers and the trainer's plan. */
final class Training {
    private Training() {
    }

    /** Shard rows spread over at least as many partitions as workers, so every worker decodes. */
    static JavaRDD<Row> rows(Dataset<Row> df, TrainSettings train) {
        JavaRDD<Row> rows = df.javaRDD();
        return rows.getNumPartitions() < train.workers() ? rows.repartition(train.workers()) : rows;
    }

    static SparkTrainer.Plan plan(StageContext ctx, String stage, StageSchedule s, long examples, double lossScale) {
        TrainSettings t = ctx.config().train();
        return new SparkTrainer.Plan(stage, s.epochs(), s.globalBatch(), t.workers(), t.averagingFrequency(),
                t.prefetchBatches(), s.learningRate(), ctx.config().seed(), t.stopOnNan(), examples, lossScale);
    }

    static SparkTrainer trainer(StageContext ctx, String stageDir, SparkTrainer.Plan plan) {
        return new SparkTrainer(ctx.sc(), ctx.files(), stageDir, plan, ctx.extraHooks());
    }

    static void requireExamples(long n, String what) {
        if (n == 0) {
            throw new IllegalStateException("no training examples: " + what);
        }
    }
}
