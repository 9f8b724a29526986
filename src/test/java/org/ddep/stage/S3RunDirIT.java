package org.ddep.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.ddep.config.DdepConfig;
import org.ddep.data.HadoopFiles;
import org.ddep.model.ModelFiles;
import org.ddep.testing.Processes;
import org.ddep.testing.S3Server;
import org.ddep.testing.SparkDistribution;
import org.ddep.testing.TinyRun;
import org.ddep.train.Checkpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole pipeline with its run directory on {@code s3a://} (demo data, shards, checkpoints,
 * models, metrics, report) against a real S3-protocol server on loopback, the cluster jar run by
 * Spark's SparkSubmit with a local master, credentials in spark-defaults.conf, never on the command line.
 */
class S3RunDirIT {
    private static final String BUCKET = "runs";
    private static final String RUN = "s3a://" + BUCKET + "/tiny";

    @Test
    void aWholeRunLivesOnS3a(@TempDir Path dir) throws Exception {
        try (S3Server s3 = S3Server.start(dir, BUCKET)) {
            SparkDistribution spark = SparkDistribution.create(dir);
            Map<String, String> defaults = new LinkedHashMap<>();
            s3.hadoopSettings(BUCKET).forEach((k, v) -> defaults.put("spark.hadoop." + k, v));
            spark.defaults(defaults);
            List<String> args = new ArrayList<>(List.of("demo", "--run-dir", RUN));
            for (String s : TinyRun.SETTINGS) {
                args.add("--set");
                args.add(s);
            }
            args.addAll(List.of("--set", "finetune.variants=[ddep]", "--set", "pretrain-decoder.epochs=1"));
            Path log = dir.resolve("submit.log");
            Process p = spark.submit("local[2]", Map.of(), args).redirectOutput(log.toFile()).start();
            assertTrue(Processes.finishes(p, 5), "the run did not finish");
            String out = Files.readString(log);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("ddep demo: report at " + RUN + "/report/index.md"), out);

            // The objects as the S3 server stores them.
            Path bucket = dir.resolve("s3-data").resolve(BUCKET).resolve("tiny");
            for (String s : DdepConfig.STAGES) {
                assertTrue(Files.exists(bucket.resolve(s).resolve("_SUCCESS")), s + " has no _SUCCESS on s3a");
            }
            try (Stream<Path> parts = Files.list(bucket.resolve("shards/demo-seg/split=train"))) {
                assertTrue(parts.anyMatch(f -> f.getFileName().toString().endsWith(".parquet")), "no Parquet shards on s3a");
            }
            for (String f : List.of("shards/demo-seg/_manifest.json", "pretrain-decoder/checkpoints/state.json",
                    "pretrain-decoder/checkpoints/epoch-0001.zip", "pretrain-decoder/model.zip", "pretrain-decoder/metrics.jsonl",
                    "finetune/ddep-f0.5/checkpoints/state.json", "evaluate/ddep-f0.5/metrics.json", "report/index.md",
                    "report/summary.json", "report/loss-finetune.png", "report/predictions.png", "config.conf")) {
                assertTrue(Files.size(bucket.resolve(f)) > 0, f + " missing or empty on s3a");
            }
            List<?> summary = new ObjectMapper().readValue(bucket.resolve("report/summary.json").toFile(), List.class);
            assertEquals(1, summary.size());
            double miou = ((Number) ((Map<?, ?>) summary.get(0)).get("miou")).doubleValue();
            assertTrue(miou >= 0 && miou <= 1, "mIoU " + miou);

            // Read back through s3a: the checkpoint state names a model that restores with its counters.
            Configuration hadoop = new Configuration();
            s3.hadoopSettings(BUCKET).forEach(hadoop::set);
            HadoopFiles files = new HadoopFiles(hadoop);
            Checkpoints cp = new Checkpoints(files, RUN + "/pretrain-decoder/checkpoints");
            Checkpoints.State state = cp.latest().orElseThrow();
            assertEquals(1, state.epoch());
            assertEquals(state.iteration(), cp.load(state).getIterationCount());
            assertEquals(state.iteration(), ModelFiles.load(files, RUN + "/pretrain-decoder/model.zip", false).getIterationCount());

            assertFalse(out.contains(S3Server.SECRET_KEY), "the secret key was printed");
            try (Stream<Path> all = Files.walk(bucket)) {
                for (Path f : all.filter(Files::isRegularFile).filter(f -> f.toString().matches(".*\\.(conf|json|jsonl|md)$")).toList()) {
                    assertFalse(Files.readString(f).contains(S3Server.SECRET_KEY), "secret key stored in " + f);
                }
            }
        }
    }
}
