package org.ddep.stage;

import org.apache.hadoop.fs.Path;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.YarnApplicationState;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.ddep.config.DdepConfig;
import org.ddep.testing.MiniYarn;
import org.ddep.testing.Processes;
import org.ddep.testing.SparkDistribution;
import org.ddep.testing.TinyRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/yarn/submit.sh for real: the cluster jar through Spark's spark-submit
 * ({@code --master yarn --deploy-mode cluster}) to Hadoop's MiniYARNCluster on loopback, with the GPU
 * request switched off ({@code --cpu}). The first attempt's driver is killed in decoder pretraining;
 * YARN's second attempt (the wrapper's {@code spark.yarn.maxAppAttempts=2}) takes over the run
 * directory's lease and resumes from the checkpoint, and the whole tiny pipeline finishes. What
 * happened is read back from YARN itself: the ResourceManager's application report and attempts,
 * and the NodeManager's container logs.
 */
class YarnSubmitIT {
    private static final int DECODER_EPOCHS = 6;

    @Test
    void aRunSubmittedToYarnSurvivesItsFirstDriverAndFinishesInTheSecondAttempt(@TempDir java.nio.file.Path dir)
            throws Exception {
        List<String> settings = new ArrayList<>(TinyRun.SETTINGS);
        settings.addAll(List.of("pretrain-decoder.epochs=" + DECODER_EPOCHS, "finetune.variants=[ddep]"));
        java.nio.file.Path run = dir.resolve("run");
        // the demo's generated scenes in the run directory; every stage, prep included, runs on YARN
        TinyRun.pipeline(run, TinyRun.config(settings.subList(TinyRun.SETTINGS.size(), settings.size())
                .toArray(String[]::new)), List.of());
        java.nio.file.Path conf = dir.resolve("demo.conf");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("demo.conf")) {
            Files.write(conf, in.readAllBytes());
        }

        try (MiniYarn yarn = MiniYarn.start(dir.resolve("yarn"))) {
            SparkDistribution spark = SparkDistribution.create(dir);
            spark.addTestJars("spark-yarn_");
            spark.installSubmitScript();
            spark.defaults(Map.of(
                    // Spark's jars are on the (one) node already: no 300 MB archive per submission
                    "spark.yarn.jars", "local:" + spark.home().resolve("jars") + "/*",
                    "spark.yarn.stagingDir", dir.resolve("staging").toUri().toString(),
                    // driver and executors listen on loopback only
                    "spark.yarn.appMasterEnv.SPARK_LOCAL_IP", "127.0.0.1",
                    "spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1"));
            List<String> cmd = new ArrayList<>(List.of("deploy/yarn/submit.sh", "run", "--config", conf.toString(),
                    "--run-dir", run.toUri().toString(), "--jar", SparkDistribution.clusterJar().toString(), "--cpu",
                    "--executors", "2", "--executor-cores", "1", "--executor-memory", "1g", "--offheap", "1",
                    "--driver-memory", "1g", "--"));
            for (String s : settings) {
                cmd.add("--set");
                cmd.add(s);
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(java.nio.file.Path.of(
                    System.getProperty("ddep.sources", ".")).toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("submit.log").toFile());
            pb.environment().putAll(spark.environment());
            pb.environment().put("HADOOP_CONF_DIR", yarn.confDir().toString());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            Process submit = pb.start();

            // The first attempt's driver dies (SIGKILL) once decoder pretraining has checkpointed an epoch.
            java.nio.file.Path state = run.resolve(DdepConfig.PRETRAIN_DECODER).resolve("checkpoints").resolve("state.json");
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
            while (!Files.exists(state) && submit.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(state), "no checkpoint from the first attempt: " + log(dir.resolve("submit.log")));
            ProcessHandle firstDriver = applicationMaster(1).orElseThrow(
                    () -> new AssertionError("no ApplicationMaster JVM of attempt 1 found"));
            firstDriver.destroyForcibly();
            assertFalse(Files.exists(run.resolve(DdepConfig.PRETRAIN_DECODER).resolve(RunDir.SUCCESS)),
                    "killed too late: decoder pretraining had finished");

            assertTrue(Processes.finishes(submit, 12), "the YARN application did not finish: " + log(dir.resolve("submit.log")));
            assertEquals(0, submit.exitValue(), log(dir.resolve("submit.log")));

            // YARN's own account: succeeded, in two attempts
            YarnConfiguration yc = new YarnConfiguration();
            yc.addResource(new Path(yarn.confDir().resolve("yarn-site.xml").toUri()));
            try (YarnClient client = YarnClient.createYarnClient()) {
                client.init(yc);
                client.start();
                List<ApplicationReport> apps = client.getApplications();
                assertEquals(1, apps.size(), apps.toString());
                ApplicationReport app = apps.get(0);
                assertEquals(YarnApplicationState.FINISHED, app.getYarnApplicationState(), app.getDiagnostics());
                assertEquals(FinalApplicationStatus.SUCCEEDED, app.getFinalApplicationStatus(), app.getDiagnostics());
                assertEquals(2, client.getApplicationAttempts(app.getApplicationId()).size(), "application attempts");

                // The NodeManager's logs: executors ran in containers of both attempts.
                String appId = app.getApplicationId().toString();
                List<java.nio.file.Path> containers = containerLogs(dir.resolve("yarn"), appId);
                long executors = containers.stream().filter(c -> !c.getFileName().toString().endsWith("_000001"))
                        .filter(c -> read(c.resolve("stderr")).contains("CoarseGrainedExecutorBackend")).count();
                assertTrue(executors >= 3, "executor containers: " + containers);
                String second = containers.stream().filter(c -> c.getFileName().toString().matches(".*_02_000001"))
                        .findFirst().map(c -> read(c.resolve("stderr"))).orElseThrow(() -> new AssertionError(
                                "no log of attempt 2's driver among " + containers));
                assertTrue(second.contains("taking over the lease of the driver") && second.contains(
                        "because it is attempt 1 of this YARN application, which YARN replaced by attempt 2"), second);
                assertTrue(second.contains("stage prep: finished earlier"), second);
                assertTrue(second.contains("resuming after epoch"), second);
            }
        }
        for (String s : DdepConfig.STAGES) {
            assertTrue(Files.exists(run.resolve(s).resolve(RunDir.SUCCESS)), s + " has no _SUCCESS");
        }
        assertTrue(Files.exists(run.resolve("evaluate/ddep-f0.5/metrics.json")));
        assertFalse(Files.exists(run.resolve(RunLease.FILE)), "the second attempt did not release the lease");
    }

    /** The JVM of an ApplicationMaster (the driver, in cluster mode) of the given attempt. */
    private static Optional<ProcessHandle> applicationMaster(int attempt) {
        String container = String.format("_%02d_000001", attempt);
        // the java process itself, not the container's bash wrapper (whose death YARN answers with a
        // SIGTERM to the JVM, which then releases its lease like any orderly stop)
        return ProcessHandle.allProcesses().filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)
                && p.info().commandLine().map(c -> c.contains("org.apache.spark.deploy.yarn.ApplicationMaster")
                        && c.contains(container)).orElse(false)).findFirst();
    }

    private static List<java.nio.file.Path> containerLogs(java.nio.file.Path yarn, String appId) throws Exception {
        try (Stream<java.nio.file.Path> all = Files.walk(yarn)) {
            return all.filter(Files::isDirectory).filter(p -> p.getFileName().toString().startsWith("container_"))
                    .filter(p -> p.getParent().getFileName().toString().equals(appId))
                    .filter(p -> p.getParent().getParent().getFileName().toString().contains("logDir")).sorted().toList();
        }
    }

    private static String read(java.nio.file.Path f) {
        try {
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (Exception e) {
            return "";
        }
    }

    private static String log(java.nio.file.Path f) {
        return read(f);
    }
}
