package org.ddep.stage;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.ddep.config.SparkSettings;

/**
 * The Spark session: the one spark-submit made, or a new one from {@code ddep.spark} when run
 * directly. Either way Kryo with ddep's registrators unless the settings choose a serializer.
 */
public final class Sparks {
    private Sparks() {
    }

    public static SparkSession session(SparkSettings s) {
        SparkConf conf = new SparkConf();
        if (!conf.contains("spark.master")) {
            // Not under spark-submit: the config decides (local mode by default).
            conf.setMaster(s.master());
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        conf.setIfMissing("spark.app.name", s.appName());
        // As deploy/ sets it on a cluster: Kryo, with ND4J arrays copied in bulk (DdepKryoRegistrator).
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", DdepKryoRegistrator.REGISTRATORS);
        s.conf().forEach(conf::set);
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
