package org.ddep.stage;

import org.ddep.testing.Trees;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.ddep.config.DdepConfig;
import org.ddep.data.HadoopFiles;
import org.ddep.model.ModelFiles;
import org.ddep.testing.EventLog;
import org.ddep.testing.Processes;
import org.ddep.testing.StandaloneCluster;
import org.ddep.testing.TinyRun;
import org.ddep.train.MetricsLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cluster jar through Spark's SparkSubmit on a real standalone cluster (a Master and two Worker
 * JVMs on loopback, one executor each): decoder pretraining and fine-tuning average parameters
 * across both executors; one executor JVM is SIGKILLed mid-training and the stage still finishes
 * with every checkpoint and metrics round exactly once; a driver SIGKILLed mid-stage and started
 * again ends with the run directory of the uninterrupted run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
    private static final int DECODER_EPOCHS = 4;
    private static final List<String> SETTINGS = settings();
    private static final ObjectMapper JSON = new ObjectMapper();
    private Path dir;
    private Path base;
    private Path conf;
    private StandaloneCluster cluster;
    private Pipeline local;
    private DdepConfig config;

    private static List<String> settings() {
        List<String> s = new ArrayList<>(TinyRun.SETTINGS);
        s.add("pretrain-decoder.epochs=" + DECODER_EPOCHS);
        s.add("stages=[prep, pretrain-encoder, pretrain-decoder, finetune]");
        s.add("finetune.variants=[ddep]");
        return List.copyOf(s);
    }

    @BeforeAll
    void startClusterAndPrepare(@TempDir Path tmp) throws Exception {
        dir = tmp;
        cluster = StandaloneCluster.start(Files.createDirectories(dir.resolve("cluster")), 2);
        // prep and encoder pretraining in local mode: the stages under test start from their output.
        base = dir.resolve("base");
        config = TinyRun.config(SETTINGS.subList(TinyRun.SETTINGS.size(), SETTINGS.size()).toArray(String[]::new));
        local = TinyRun.pipeline(base, config, List.of());
        local.pinConfig();
        local.runStage(DdepConfig.PREP, false);
        local.runStage(DdepConfig.PRETRAIN_ENCODER, false);
        conf = dir.resolve("demo.conf");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("demo.conf")) {
            Files.write(conf, in.readAllBytes());
        }
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void trainingAveragesAcrossTwoExecutorsAndSurvivesTheLossOfOne() throws Exception {
        Path run = Trees.copy(base, dir.resolve("run-a"));
        Path metrics = run.resolve(DdepConfig.PRETRAIN_DECODER).resolve("metrics.jsonl");
        Process driver = submit(run, "a.log");
        awaitFile(driver, metrics, "a.log");
        List<ProcessHandle> executors = cluster.executors();
        assertEquals(2, executors.size(), "one executor per worker expected: " + executors);
        long killedAt = System.nanoTime();
        executors.get(0).destroyForcibly();
        assertTrue(Processes.finishes(driver, 6), "the run did not finish after an executor was killed");
        assertEquals(0, driver.exitValue(), log("a.log"));

        assertFinished(run);
        EventLog events = EventLog.readAll(cluster.eventLogs()).get(0);
        List<String> averaged = events.executorsOfStages("treeAggregate at ParameterAveragingTrainingMaster");
        assertTrue(averaged.size() >= 2, "averaging rounds ran on executors " + averaged);
        assertTrue(events.of("SparkListenerExecutorRemoved").count() >= 1, "the killed executor was never removed");
        assertTrue(events.of("SparkListenerExecutorAdded").count() >= 3, "no executor replaced the killed one");
        // How long the rounds took around the kill (printed for the benchmark notes, never asserted).
        List<Map<String, Object>> rounds = MetricsLog.read(files(), metrics.toUri().toString());
        double slowest = rounds.stream().mapToDouble(m -> ((Number) m.get("round_s")).doubleValue()).max().orElse(0);
        double median = rounds.stream().mapToDouble(m -> ((Number) m.get("round_s")).doubleValue()).sorted()
                .skip(rounds.size() / 2).findFirst().orElse(0);
        System.out.printf("executor killed in decoder pretraining: slowest round %.2f s, median round %.2f s, "
                        + "%d task(s) lost with it, run finished %.1f s after the kill%n",
                slowest, median, events.tasksEndedWith("ExecutorLostFailure"), (System.nanoTime() - killedAt) / 1e9);
    }

    @Test
    @Order(2)
    void killedDriverRerunEndsInTheStateOfTheUninterruptedRun() throws Exception {
        Path run = Trees.copy(base, dir.resolve("run-b"));
        Path stage = run.resolve(DdepConfig.PRETRAIN_DECODER);
        Process first = submit(run, "b1.log");
        awaitFile(first, stage.resolve("checkpoints").resolve("state.json"), "b1.log");
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertFalse(Files.exists(stage.resolve("_SUCCESS")), "killed too late: the stage had finished");
        Map<?, ?> atKill = JSON.readValue(stage.resolve("checkpoints").resolve("state.json").toFile(), Map.class);
        int epochsAtKill = ((Number) atKill.get("epoch")).intValue();
        assertTrue(epochsAtKill < DECODER_EPOCHS);

        Process second = submit(run, "b2.log");
        assertTrue(Processes.finishes(second, 6), "re-run did not finish");
        String log = log("b2.log");
        assertEquals(0, second.exitValue(), log);
        assertTrue(log.contains("stage pretrain-encoder: finished earlier"), log);
        assertTrue(log.contains("resuming after epoch " + epochsAtKill), log);

        assertFinished(run);
        Path uninterrupted = dir.resolve("run-a");
        assertEquals(listing(uninterrupted), listing(run), "files of the resumed run differ from the uninterrupted run's");
        for (String f : List.of("pretrain-decoder/checkpoints/state.json", "finetune/ddep-f0.5/checkpoints/state.json")) {
            assertEquals(Files.readString(uninterrupted.resolve(f)), Files.readString(run.resolve(f)), f);
        }
    }

    /** Every stage done; checkpoints, metrics rounds and counters exactly as planned, none lost or repeated. */
    private void assertFinished(Path run) throws Exception {
        var plan = Training.plan(local.context(), DdepConfig.PRETRAIN_DECODER, config.decoder(),
                local.context().shards().split("demo-pretrain", "train").count(), 1);
        Path stage = run.resolve(DdepConfig.PRETRAIN_DECODER);
        for (Path done : List.of(stage, run.resolve(DdepConfig.FINETUNE), run.resolve("finetune/ddep-f0.5"))) {
            assertTrue(Files.exists(done.resolve("_SUCCESS")), done + " has no _SUCCESS");
        }
        var model = ModelFiles.load(files(), stage.resolve("model.zip").toUri().toString(), false);
        assertEquals(plan.totalIterations(), model.getIterationCount());
        assertEquals(DECODER_EPOCHS, model.getEpochCount());
        assertEquals(List.of(String.format("epoch-%04d.zip", DECODER_EPOCHS - 1),
                String.format("epoch-%04d.zip", DECODER_EPOCHS), "state.json"), names(stage.resolve("checkpoints")));
        Map<?, ?> state = JSON.readValue(stage.resolve("checkpoints").resolve("state.json").toFile(), Map.class);
        assertEquals(Map.of("epoch", DECODER_EPOCHS, "round", 0, "iteration", plan.totalIterations(),
                "file", String.format("epoch-%04d.zip", DECODER_EPOCHS),
                "previous", String.format("epoch-%04d.zip", DECODER_EPOCHS - 1)), state);
        Set<String> rounds = new HashSet<>();
        List<Map<String, Object>> lines = MetricsLog.read(files(), stage.resolve("metrics.jsonl").toUri().toString());
        for (Map<String, Object> m : lines) {
            assertTrue(rounds.add(m.get("epoch") + "/" + m.get("round")), "round repeated in metrics: " + m);
        }
        assertEquals(DECODER_EPOCHS * plan.roundsPerEpoch(), lines.size(), "one metrics line per round");
    }

    private Process submit(Path run, String logName) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", "--config", conf.toString(), "--run-dir", run.toUri().toString()));
        for (String s : SETTINGS) {
            args.add("--set");
            args.add(s);
        }
        return cluster.spark().submit(cluster.masterUrl(), cluster.conf(), args)
                .redirectOutput(dir.resolve(logName).toFile()).start();
    }

    private void awaitFile(Process driver, Path file, String logName) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!(Files.exists(file) && Files.size(file) > 0) && driver.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (!Files.exists(file)) {
            driver.descendants().forEach(ProcessHandle::destroyForcibly);
            driver.destroyForcibly();
        }
        assertTrue(Files.exists(file), file + " never appeared; driver log: " + log(logName));
    }

    private HadoopFiles files() {
        return local.context().files();
    }

    private String log(String name) throws IOException {
        Path f = dir.resolve(name);
        return Files.exists(f) ? Files.readString(f) : "(no log)";
    }

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }

    /** Relative paths of a run directory's files (hidden temporaries and checksums left out). */
    private static List<String> listing(Path run) throws IOException {
        try (Stream<Path> s = Files.walk(run)) {
            return s.filter(Files::isRegularFile).map(run::relativize)
                    .filter(p -> !p.getFileName().toString().startsWith(".")).map(Path::toString).sorted().toList();
        }
    }

}
