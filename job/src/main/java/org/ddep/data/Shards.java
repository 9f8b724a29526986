package org.ddep.data;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddep.prep.Manifest;
import org.ddep.prep.ShardSchema;

import java.io.IOException;

import static org.apache.spark.sql.functions.col;

/**
 * Reads shard tables for training and evaluation, for any dataset: everything it needs is in the
 * schema and the manifest, so no dataset-specific code exists past prep.
 */
public final class Shards {
    private final SparkSession spark;
    private final String root;

    public Shards(SparkSession spark, String root) {
        this.spark = spark;
        this.root = root;
    }

    public String root() {
        return root;
    }

    public Manifest manifest(String dataset) throws IOException {
        return Manifest.read(spark.sparkContext().hadoopConfiguration(), ShardSchema.manifestPath(root, dataset));
    }

    public Dataset<Row> split(String dataset, String split) {
        return spark.read().schema(ShardSchema.SCHEMA).parquet(ShardSchema.splitPath(root, dataset, split));
    }

    /** Rows with a mask whose label_key falls below the fraction (1% inside 5% inside 10%). */
    public Dataset<Row> labelled(String dataset, String split, double fraction) {
        return split(dataset, split).where(col(ShardSchema.MASK).isNotNull().and(labelFraction(fraction)));
    }

    /** Rows with an image-level class. */
    public Dataset<Row> classified(String dataset, String split) {
        return split(dataset, split).where(col(ShardSchema.LABEL).isNotNull());
    }

    public static Column labelFraction(double fraction) {
        return col(ShardSchema.LABEL_KEY).lt(fraction);
    }
}
