package org.ddep.stage;

import org.ddep.config.DdepConfig;
import org.ddep.testing.CrashOnEpoch;
import org.ddep.testing.TinyRun;
import org.ddep.train.Checkpoints;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
}
