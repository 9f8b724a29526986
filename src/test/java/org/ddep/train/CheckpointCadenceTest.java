package org.ddep.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code train.checkpoint-minutes}: which epoch ends write a checkpoint. */
class CheckpointCadenceTest {
    private static final long SECOND = 1_000_000_000L;

    private static SparkTrainer.Plan plan(double minutes) {
        return new SparkTrainer.Plan("finetune", 100, 16, 2, 4, 0, 1e-3, 1, true, 1000, 1, 4, 0, minutes);
    }

    @Test
    void zeroMinutesCheckpointsEveryEpoch() {
        for (int epoch = 1; epoch <= 100; epoch++) {
            assertTrue(plan(0).checkpointsAfterEpoch(epoch, 0), "epoch " + epoch);
        }
    }

    @Test
    void anEpochEndCheckpointsOnceTheMinutesHavePassedSinceTheLastCheckpoint() {
        SparkTrainer.Plan p = plan(10);
        assertFalse(p.checkpointsAfterEpoch(1, 0));
        assertFalse(p.checkpointsAfterEpoch(57, 10 * 60 * SECOND - 1));
        assertTrue(p.checkpointsAfterEpoch(57, 10 * 60 * SECOND));
        assertTrue(p.checkpointsAfterEpoch(57, 3 * 3600 * SECOND));
        // minutes, not seconds: half a minute is 30 s
        assertFalse(plan(0.5).checkpointsAfterEpoch(3, 29 * SECOND));
        assertTrue(plan(0.5).checkpointsAfterEpoch(3, 30 * SECOND));
    }

    @Test
    void theLastEpochAlwaysCheckpoints() {
        assertTrue(plan(10).checkpointsAfterEpoch(100, 0));
        assertTrue(plan(1e6).checkpointsAfterEpoch(100, 1));
        assertFalse(plan(1e6).checkpointsAfterEpoch(99, 1));
    }
}
