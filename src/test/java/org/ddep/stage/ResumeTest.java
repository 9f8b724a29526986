package org.ddep.stage;

import org.ddep.config.DdepConfig;
import org.ddep.testing.CrashOnEpoch;
import org.ddep.testing.CrashOnIteration;
import org.ddep.testing.WorkerRecorder;
import org.ddep.testing.TinyRun;
import org.ddep.train.Checkpoints;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResumeTest {
    @Test
    void stageKilledMidwayResumesFromItsCheckpointToTheSameIterationCount(@TempDir Path dir) throws Exception {
        DdepConfig c = TinyRun.config("pretrain-decoder.epochs=3");
        Pipeline clean = TinyRun.pipeline(dir, c, List.of());
        clean.pinConfig();
        clean.runStage(DdepConfig.PREP, false);
        clean.runStage(DdepConfig.PRETRAIN_ENCODER, false);

        // A worker dies in the second epoch: the stage fails after checkpointing epoch 1.
        Pipeline crashing = TinyRun.pipeline(dir, c, List.of(new CrashOnEpoch(1)));
        assertThrows(Exception.class, () -> crashing.runStage(DdepConfig.PRETRAIN_DECODER, false));
        Path stage = dir.resolve(DdepConfig.PRETRAIN_DECODER);
        assertFalse(Files.exists(stage.resolve("_SUCCESS")));
        Checkpoints cp = new Checkpoints(clean.context().files(), clean.context().run().path(DdepConfig.PRETRAIN_DECODER, "checkpoints"));
        assertEquals(1, cp.latest().orElseThrow().epoch());

        // The same command again: resumes from epoch 1 and finishes.
        clean.runStage(DdepConfig.PRETRAIN_DECODER, false);
        assertTrue(Files.exists(stage.resolve("_SUCCESS")));
        ComputationGraph resumed = Models.load(clean.context().files(), stage.toUri().toString(), "test");
        var plan = Training.plan(clean.context(), "pretrain-decoder", c.decoder(),
                clean.context().shards().split("demo-pretrain", "train").count(), 1);
        assertEquals(plan.totalIterations(), resumed.getIterationCount());
        assertEquals(3, resumed.getEpochCount());
        // one metrics line per round, none duplicated by the failed attempt
        long lines = Files.readAllLines(stage.resolve("metrics.jsonl")).stream().filter(l -> !l.isBlank()).count();
        assertEquals(3L * plan.roundsPerEpoch(), lines);
    }

    @Test
    void epochsCheckpointAtMostOncePerCheckpointMinutesTheLastAlwaysAndACrashBeforeAnyResumesFromTheStart(
            @TempDir Path dir) throws Exception {
        DdepConfig c = TinyRun.config("pretrain-decoder.epochs=3", "train.checkpoint-minutes=60");
        Pipeline clean = TinyRun.pipeline(dir, c, List.of());
        clean.pinConfig();
        clean.runStage(DdepConfig.PREP, false);
        clean.runStage(DdepConfig.PRETRAIN_ENCODER, false);
        Path stage = dir.resolve(DdepConfig.PRETRAIN_DECODER);
        Checkpoints cp = new Checkpoints(clean.context().files(), clean.context().run().path(DdepConfig.PRETRAIN_DECODER, "checkpoints"));

        // A worker dies in the second epoch: epoch 1 ended less than an hour into the stage, so nothing was written.
        Pipeline crashing = TinyRun.pipeline(dir, c, List.of(new CrashOnEpoch(1)));
        assertThrows(Exception.class, () -> crashing.runStage(DdepConfig.PRETRAIN_DECODER, false));
        assertTrue(cp.latest().isEmpty(), "a checkpoint inside the hour: " + cp.latest());

        // Again: from the start, to the same counters, and the last epoch's checkpoint is the only one.
        clean.runStage(DdepConfig.PRETRAIN_DECODER, false);
        ComputationGraph done = Models.load(clean.context().files(), stage.toUri().toString(), "test");
        var plan = Training.plan(clean.context(), "pretrain-decoder", c.decoder(),
                clean.context().shards().split("demo-pretrain", "train").count(), 1);
        assertEquals(plan.totalIterations(), done.getIterationCount());
        assertEquals(3, done.getEpochCount());
        assertEquals(new Checkpoints.State(3, 0, plan.totalIterations(), "epoch-0003.zip"), cp.latest().orElseThrow());
        try (var files = Files.list(stage.resolve("checkpoints"))) {
            assertEquals(List.of("epoch-0003.zip", "state.json"), files.map(f -> f.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList());
        }
        long lines = Files.readAllLines(stage.resolve("metrics.jsonl")).stream().filter(l -> !l.isBlank()).count();
        assertEquals(3L * plan.roundsPerEpoch(), lines, "one metrics line per round, none left from the crash");
    }

    @Test
    void stageKilledMidEpochResumesFromItsRoundCheckpointWithTheSameRowsAndIterations(@TempDir Path dir) throws Exception {
        // 40 scenes: rounds of 16, 16 and 8 rows (5 updates per epoch); a checkpoint every 2 rounds.
        DdepConfig c = TinyRun.config("pretrain-decoder.epochs=3", "demo.pretrain-images=40", "train.checkpoint-rounds=2");
        Path whole = dir.resolve("uninterrupted");
        Path killed = dir.resolve("killed");
        for (Path run : List.of(whole, killed)) {
            Pipeline p = TinyRun.pipeline(run, c, List.of());
            p.pinConfig();
            p.runStage(DdepConfig.PREP, false);
            p.runStage(DdepConfig.PRETRAIN_ENCODER, false);
        }
        WorkerRecorder.UPDATES.clear();
        TinyRun.pipeline(whole, c, List.of(new WorkerRecorder())).runStage(DdepConfig.PRETRAIN_DECODER, false);
        Map<Integer, List<Double>> wholeRows = minibatchesByUpdate();

        // Update 9 is in round 3 of epoch 2: the last checkpoint is epoch 1 + 2 rounds (updates 0-8 done).
        Pipeline crashing = TinyRun.pipeline(killed, c, List.of(new CrashOnIteration(9)));
        assertThrows(Exception.class, () -> crashing.runStage(DdepConfig.PRETRAIN_DECODER, false));
        Checkpoints cp = new Checkpoints(crashing.context().files(),
                crashing.context().run().path(DdepConfig.PRETRAIN_DECODER, "checkpoints"));
        assertEquals(new Checkpoints.State(1, 2, 9, "epoch-0001-round-000002.zip"), cp.latest().orElseThrow());

        WorkerRecorder.UPDATES.clear();
        Pipeline again = TinyRun.pipeline(killed, c, List.of(new WorkerRecorder()));
        again.runStage(DdepConfig.PRETRAIN_DECODER, false);
        Map<Integer, List<Double>> resumedRows = minibatchesByUpdate();
        assertEquals(List.of(9, 10, 11, 12, 13, 14), List.copyOf(resumedRows.keySet()));
        // The same rows, crops and noise in every update after the resume as in the uninterrupted run.
        resumedRows.forEach((it, sums) -> assertEquals(wholeRows.get(it), sums, "minibatches of update " + it));

        ComputationGraph a = Models.load(again.context().files(), whole.resolve(DdepConfig.PRETRAIN_DECODER).toUri().toString(), "test");
        ComputationGraph b = Models.load(again.context().files(), killed.resolve(DdepConfig.PRETRAIN_DECODER).toUri().toString(), "test");
        assertEquals(15, a.getIterationCount());
        assertEquals(a.getIterationCount(), b.getIterationCount());
        assertEquals(a.getEpochCount(), b.getEpochCount());
        assertTrue(a.params().equalsWithEps(b.params(), 1e-4), "resumed parameters differ from the uninterrupted run's");
        List<String> lines = Files.readAllLines(killed.resolve(DdepConfig.PRETRAIN_DECODER).resolve("metrics.jsonl"))
                .stream().filter(l -> !l.isBlank()).toList();
        assertEquals(9, lines.size(), "one metrics line per round, none repeated: " + lines);
    }

    /** Checksums of the denoising minibatches each update fitted (all workers, sorted), by update. */
    private static Map<Integer, List<Double>> minibatchesByUpdate() {
        Map<Integer, List<Double>> out = new TreeMap<>();
        for (WorkerRecorder.Update u : WorkerRecorder.of(WorkerRecorder.DENOISE)) {
            out.computeIfAbsent(u.iteration(), k -> new ArrayList<>()).add((double) Math.round(u.inputSum() * 1e3) / 1e3);
        }
        out.values().forEach(l -> l.sort(null));
        return out;
    }
}
