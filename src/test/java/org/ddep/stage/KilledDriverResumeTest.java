package org.ddep.stage;

import org.ddep.config.DdepConfig;
import org.ddep.data.HadoopFiles;
import org.ddep.model.ModelFiles;
import org.ddep.testing.LocalSpark;
import org.ddep.testing.TinyRun;
import org.ddep.train.Checkpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CLI in its own JVM, killed with SIGKILL in the middle of decoder pretraining, then the same
 * command again: it skips the finished stages, resumes the killed one from its last checkpoint and
 * ends with the iteration count of an uninterrupted run.
 */
class KilledDriverResumeTest {
    private static final int EPOCHS = 4;

    @Test
    void killedCommandRerunResumesFromTheLastCheckpoint(@TempDir Path dir) throws Exception {
        List<String> settings = new ArrayList<>(TinyRun.SETTINGS);
        settings.add("pretrain-decoder.epochs=" + EPOCHS);
        settings.add("stages=[prep, pretrain-encoder, pretrain-decoder]");
        DdepConfig c = TinyRun.config(settings.subList(TinyRun.SETTINGS.size(), settings.size()).toArray(String[]::new));
        Pipeline p = TinyRun.pipeline(dir, c, List.of());   // writes the demo data
        Path conf = dir.resolve("demo.conf");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("demo.conf")) {
            Files.write(conf, in.readAllBytes());
        }
        Path stage = dir.resolve(DdepConfig.PRETRAIN_DECODER);
        Path state = stage.resolve("checkpoints").resolve("state.json");

        Process first = start(dir, conf, settings, "first.log");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!Files.exists(state) && first.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(state), "no checkpoint of pretrain-decoder appeared; log: " + log(dir, "first.log"));
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertFalse(Files.exists(stage.resolve("_SUCCESS")), "killed too late: the stage had finished");
        int epochsAtKill = new Checkpoints(p.context().files(), p.context().run().path(DdepConfig.PRETRAIN_DECODER,
                "checkpoints")).latest().orElseThrow().epoch();
        assertTrue(epochsAtKill < EPOCHS);

        Process second = start(dir, conf, settings, "second.log");
        assertTrue(second.waitFor(4, TimeUnit.MINUTES), "re-run did not finish");
        assertEquals(0, second.exitValue(), log(dir, "second.log"));
        String secondLog = log(dir, "second.log");
        assertTrue(secondLog.contains("stage pretrain-encoder: finished earlier"), secondLog);
        assertTrue(secondLog.contains("resuming after epoch " + epochsAtKill), secondLog);

        HadoopFiles files = new HadoopFiles(LocalSpark.get().sparkContext().hadoopConfiguration());
        var model = ModelFiles.load(files, stage.resolve("model.zip").toUri().toString(), false);
        var plan = Training.plan(p.context(), DdepConfig.PRETRAIN_DECODER, c.decoder(),
                p.context().shards().split("demo-pretrain", "train").count(), 1);
        assertEquals(plan.totalIterations(), model.getIterationCount());
        assertEquals(EPOCHS, model.getEpochCount());
        long lines = Files.readAllLines(stage.resolve("metrics.jsonl")).stream().filter(l -> !l.isBlank()).count();
        assertEquals((long) EPOCHS * plan.roundsPerEpoch(), lines, "one metrics line per round, none repeated");
        try (var s = Files.list(stage.resolve("checkpoints"))) {
            assertEquals(List.of(String.format("epoch-%04d.zip", EPOCHS - 1), String.format("epoch-%04d.zip", EPOCHS),
                    "state.json"), s.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList());
        }
    }

    private static Process start(Path dir, Path conf, List<String> settings, String logName) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "@" + Path.of(System.getProperty("ddep.sources", "."), "conf", "jvm-options"),
                "-cp", System.getProperty("java.class.path"), "org.ddep.cli.Main", "run",
                "--config", conf.toString(), "--run-dir", dir.toUri().toString()));
        for (String s : settings) {
            cmd.add("--set");
            cmd.add(s);
        }
        File log = dir.resolve(logName).toFile();
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
    }

    private static String log(Path dir, String name) throws Exception {
        Path f = dir.resolve(name);
        return Files.exists(f) ? Files.readString(f) : "(no log)";
    }
}
