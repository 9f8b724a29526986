package org.ddep.data;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.ddep.prep.Manifest;
import org.ddep.prep.ShardSchema;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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

    /**
     * Up to {@code n} rows of a split (only rows with a mask if {@code masked}): the first by label key
     * (a hash of the id, uniform in [0, 1)) of its shard files taken in name order, as many files as it
     * takes. Prep places rows in shards by a hash of their id, so each shard is a uniform sample of its
     * split; ordering the whole split instead would read every image of it (at ImageNet-21k's size, the
     * whole dataset) to keep a handful. Ordering by id would take them from one class folder.
     */
    public List<Row> sample(String dataset, String split, int n, boolean masked) throws IOException {
        Path dir = new Path(ShardSchema.splitPath(root, dataset, split));
        FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
        List<String> files = Arrays.stream(fs.listStatus(dir)).map(FileStatus::getPath)
                .filter(p -> p.getName().endsWith(".parquet")).map(Path::toString).sorted().toList();
        List<Row> out = new ArrayList<>();
        for (String f : files) {
            if (out.size() >= n) {
                break;
            }
            Dataset<Row> df = spark.read().schema(ShardSchema.SCHEMA).parquet(f);
            if (masked) {
                df = df.where(col(ShardSchema.MASK).isNotNull());
            }
            out.addAll(df.orderBy(ShardSchema.LABEL_KEY, ShardSchema.ID).limit(n - out.size()).collectAsList());
        }
        return out;
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
