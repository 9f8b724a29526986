package org.ddep.prep;

import org.apache.hadoop.conf.Configuration;
import org.ddep.testing.LocalSpark;
import org.ddep.testing.Processes;
import org.ddep.testing.S3Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * prep from s3a:// to s3a:// against a real S3-protocol server on loopback, through the CLI in its
 * own JVM, with credentials given as Hadoop configuration keys in a config file: they work, and
 * they appear nowhere in the output.
 */
class S3PrepTest {
    @Test
    void prepReadsAndWritesS3aWithCredentialsThatNeverAppearInLogs(@TempDir Path dir) throws Exception {
        try (S3Server s3 = S3Server.start(dir, "lake")) {
            Map<String, String> settings = s3.hadoopSettings("lake");
            Configuration hadoop = new Configuration();
            settings.forEach(hadoop::set);
            SyntheticScenes.write(hadoop, "s3a://lake/raw", new SyntheticScenes.Spec(32, 1, 12, 4, 5));

            StringBuilder conf = new StringBuilder("ddep.spark.conf {\n");
            settings.forEach((k, v) -> conf.append("  \"spark.hadoop.").append(k).append("\" = \"").append(v).append("\"\n"));
            conf.append("}\n");
            Path confFile = dir.resolve("s3.conf");
            Files.writeString(confFile, conf);
            Path log = dir.resolve("prep.log");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "@" + Path.of(System.getProperty("ddep.sources", "."), "conf", "jvm-options"),
                    "-cp", System.getProperty("java.class.path"), "org.ddep.cli.Main", "prep",
                    "--config", confFile.toString(), "--dataset", "folder-pairs", "--name", "scenes",
                    "--input", "s3a://lake/raw/seg", "--output", "s3a://lake/shards"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            // Minutes on a loaded machine; a prep that overruns is killed, not left retrying a stopped server.
            assertTrue(Processes.finishes(p, 5), "prep did not finish");
            String out = Files.readString(log);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("ddep prep: s3a://lake/raw/seg -> s3a://lake/shards/scenes"), out);
            assertFalse(out.contains(S3Server.SECRET_KEY), "the secret key was printed");
            assertFalse(out.contains(S3Server.ACCESS_KEY), "the access key was printed");

            settings.forEach(LocalSpark.get().sparkContext().hadoopConfiguration()::set);
            Manifest m = Manifest.read(hadoop, ShardSchema.manifestPath("s3a://lake/shards", "scenes"));
            assertEquals(Map.of("train", 12L, "val", 4L), m.counts());
            assertFalse(Files.readString(dir.resolve("s3-data/lake/shards/scenes/_manifest.json")).contains(S3Server.SECRET_KEY));
            long rows = LocalSpark.get().read().parquet(ShardSchema.splitPath("s3a://lake/shards", "scenes", "train"))
                    .where(org.apache.spark.sql.functions.col(ShardSchema.MASK).isNotNull()).count();
            assertEquals(12, rows);
        }
    }
}
