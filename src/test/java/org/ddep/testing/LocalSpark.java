package org.ddep.testing;

import org.apache.spark.sql.SparkSession;
import org.ddep.config.ConfigLoader;
import org.ddep.config.DdepConfig;
import org.ddep.stage.Sparks;

import java.util.List;

/** One Spark local-mode session (two worker threads) shared by the tests of a JVM. */
public final class LocalSpark {
    private static SparkSession session;

    private LocalSpark() {
    }

    public static synchronized SparkSession get() {
        if (session == null) {
            DdepConfig c = ConfigLoader.load(null, List.of("spark.master=\"local[2]\"",
                    "spark.conf.\"spark.ui.enabled\"=\"false\"", "spark.conf.\"spark.sql.shuffle.partitions\"=\"2\""));
            session = Sparks.session(c.spark());
        }
        return session;
    }
}
