package org.ddep.stage;

import org.ddep.cli.Main;
import org.ddep.testing.Processes;
import org.ddep.testing.S3Server;
import org.ddep.testing.TinyRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two real driver JVMs on one run directory, on {@code file:} and on {@code s3a:} (a real
 * S3-protocol server on loopback): the second refuses at once naming the first; after the first
 * dies, a third takes the run over with {@code --take-over}, finishes and releases the lease.
 */
class OneDriverPerRunDirTest {
    private static final String BUCKET = "runs";

    @Test
    void onTheLocalFileSystem(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        secondDriverRefusedThenTakeOver(dir, run.toUri().toString(), run, List.of());
    }

    @Test
    void onS3a(@TempDir Path dir) throws Exception {
        try (S3Server s3 = S3Server.start(dir, BUCKET)) {
            List<String> props = new ArrayList<>();
            // Spark reads spark.* system properties: the credentials stay off the command line's arguments.
            s3.hadoopSettings(BUCKET).forEach((k, v) -> props.add("-Dspark.hadoop." + k + "=" + v));
            secondDriverRefusedThenTakeOver(dir, "s3a://" + BUCKET + "/tiny", dir.resolve("s3-data").resolve(BUCKET)
                    .resolve("tiny"), props);
        }
    }

    /**
     * A scheduler's SIGTERM (Airflow timeout, YARN preemption, kill) mid-training: the driver releases its lease
     * and says it was stopped and how to resume, not a stack trace of the stop's fallout.
     */
    @Test
    void aSignalledDriverReleasesItsLeaseAndSaysHowToResume(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        List<String> settings = new ArrayList<>(TinyRun.SETTINGS);
        settings.addAll(List.of("pretrain-decoder.epochs=200", "finetune.variants=[ddep]"));
        Process p = driver(dir, "signalled", List.of(), settings, List.of("demo", "--run-dir", run.toUri().toString()));
        Path log = dir.resolve("signalled.log");
        try {
            waitFor(run.resolve("pretrain-encoder").resolve(RunDir.SUCCESS), p, log);
            assertTrue(Files.exists(run.resolve(RunLease.FILE)), "the driver holds no lease");
            Thread.sleep(2000);   // into decoder pretraining: Spark jobs are running when the signal comes
            p.destroy();          // SIGTERM
            assertTrue(Processes.finishes(p, 2), "the signalled driver did not stop");
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        assertEquals(128 + 15, p.exitValue(), out);   // the JVM's code for SIGTERM, which schedulers read
        assertTrue(out.contains("the JVM is shutting down before the command finished"), out);
        assertTrue(out.contains("run the same command again to resume"), out);
        assertFalse(out.contains("Shutdown in progress"), out);
        assertFalse(out.contains("demo failed"), out);
        assertFalse(Files.exists(run.resolve(RunLease.FILE)), "a signalled driver left its lease behind");
    }

    /** {@code stored}: where the run directory's files are on this machine's disk (for the S3 server: its objects). */
    private static void secondDriverRefusedThenTakeOver(Path dir, String run, Path stored, List<String> jvm) throws Exception {
        // Enough epochs that the first driver still trains when the second starts.
        List<String> settings = new ArrayList<>(TinyRun.SETTINGS);
        settings.addAll(List.of("pretrain-decoder.epochs=200", "finetune.variants=[ddep]"));
        Process first = driver(dir, "first", jvm, settings, List.of("demo", "--run-dir", run));
        Process second = null;
        try {
            Path lock = stored.resolve(RunLease.FILE);
            waitFor(stored.resolve("prep").resolve("_SUCCESS"), first, dir.resolve("first.log"));
            assertTrue(Files.exists(lock), "the first driver holds no lease");
            String held = Files.readString(lock);
            assertTrue(held.contains("\"pid\" : " + first.pid()), held);

            second = driver(dir, "second", jvm, settings, List.of("demo", "--run-dir", run));
            assertTrue(Processes.finishes(second, 3), "the second driver did not stop");
            String out = Files.readString(dir.resolve("second.log"));
            assertEquals(Main.RUN_DIR_IN_USE, second.exitValue(), out);
            assertTrue(out.contains("is in use by another driver"), out);
            assertTrue(out.contains("pid " + first.pid()), out);
            assertTrue(out.contains("--take-over"), out);
            assertFalse(out.contains("stage prep: starting"), out);
            assertFalse(out.contains("stage pretrain-encoder: starting"), out);
            assertTrue(first.isAlive(), "the first driver stopped");
            assertEquals(held.substring(0, held.indexOf("\"heartbeat\"")),
                    Files.readString(lock).substring(0, held.indexOf("\"heartbeat\"")), "the lease changed hands");
        } finally {
            // The first driver dies without releasing its lease (kill -9).
            first.descendants().forEach(ProcessHandle::destroyForcibly);
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            if (second != null && second.isAlive()) {
                second.destroyForcibly();
            }
        }
        assertTrue(Files.exists(stored.resolve(RunLease.FILE)), "a killed driver's lease stays behind");

        // A third driver takes the run over on the user's word, runs a stage and releases the lease.
        List<String> third = new ArrayList<>(List.of("prep", "--config",
                Path.of(System.getProperty("ddep.sources", "."), "conf", "demo.conf").toString(), "--run-dir", run,
                "--take-over"));
        Process p = driver(dir, "third", jvm, settings, third);
        assertTrue(Processes.finishes(p, 3), "the third driver did not finish");
        String out = Files.readString(dir.resolve("third.log"));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("taking over the lease of the driver (host ") && out.contains("because --take-over"), out);
        assertTrue(out.contains("pid " + first.pid()), out);
        assertTrue(out.contains("stage prep: finished earlier"), out);
        assertFalse(Files.exists(stored.resolve(RunLease.FILE)), "the lease was not released on a normal exit");
    }

    private static Process driver(Path dir, String name, List<String> jvm, List<String> settings, List<String> command)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "@" + Path.of(System.getProperty("ddep.sources", "."), "conf", "jvm-options")));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(command);
        for (String s : settings) {
            cmd.add("--set");
            cmd.add(s);
        }
        cmd.addAll(List.of("--set", "lease.heartbeat-seconds=1", "--set", "lease.stale-after-seconds=600"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().putAll(Map.of("OMP_NUM_THREADS", "1"));
        return pb.start();
    }

    private static void waitFor(Path file, Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!Files.exists(file)) {
            if (!p.isAlive()) {
                throw new AssertionError("the first driver exited early: " + Files.readString(log));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + file + " after 4 minutes: " + Files.readString(log));
            }
            Thread.sleep(500);
        }
    }
}
