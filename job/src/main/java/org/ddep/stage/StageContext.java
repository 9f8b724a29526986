package org.ddep.stage;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.ddep.config.DdepConfig;
import org.ddep.data.HadoopFiles;
import org.ddep.data.Shards;
import org.deeplearning4j.spark.api.TrainingHook;

import java.util.List;

/** What every stage gets: the validated config, the run directory, Spark, the shards. */
public record StageContext(DdepConfig config, RunDir run, SparkSession spark, List<TrainingHook> extraHooks) {
    public JavaSparkContext sc() {
        return JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    /** The same run with another (narrower) config: one label fraction of fine-tuning or evaluation. */
    public StageContext with(DdepConfig narrower) {
        return new StageContext(narrower, run, spark, extraHooks);
    }

    public HadoopFiles files() {
        return run.files();
    }

    public String shardsRoot() {
        String s = config.data().shards();
        return s.isBlank() ? run.path("shards") : s;
    }

    public Shards shards() {
        return new Shards(spark, shardsRoot());
    }

    /** A relative input path is taken against the run directory. */
    public String resolve(String uri) {
        return uri.contains(":") || uri.startsWith("/") ? uri : run.path(uri);
    }
}
