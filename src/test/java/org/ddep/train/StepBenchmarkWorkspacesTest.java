package org.ddep.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A workspace that learns its size over several cycles (as DL4J's layer-activation workspaces do, one
 * cycle per graph vertex) counts as learning until it holds that size; the step benchmark warms up
 * until none does. With {@code train.workspaces = spill} none ever holds memory, so none is learning;
 * with {@code lean} the per-vertex workspaces never hold memory, by design, and are not waited for.
 */
class StepBenchmarkWorkspacesTest {
    @Test
    void aWorkspaceLearnsUntilItsCyclesAreDoneThenHoldsItsSize() throws Exception {
        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(0).overallocationLimit(0.02)
                .policyLearning(LearningPolicy.OVER_TIME).cyclesBeforeInitialization(3)
                .policyReset(ResetPolicy.BLOCK_LEFT).policySpill(SpillPolicy.REALLOCATE)
                .policyAllocation(AllocationPolicy.OVERALLOCATE).build();
        String id = "ddep-test-learning-" + System.nanoTime();
        Workspaces.apply("hold");   // DL4J's default; spilling workspaces never settle, so none counts as learning
        int before = StepBenchmark.learningWorkspaces();
        try {
            for (int cycle = 1; cycle <= 3; cycle++) {
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, id)) {
                    Nd4j.create(DataType.FLOAT, 1024, 256);
                }
                MemoryWorkspace ws = Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(conf, id);
                if (cycle < 3) {
                    assertEquals(0, ws.getCurrentSize(), "cycle " + cycle + " spills");
                    assertEquals(before + 1, StepBenchmark.learningWorkspaces(), "cycle " + cycle);
                    assertTrue(StepBenchmark.learningWorkspaceBytes() >= 1024 * 256 * 4, "its largest cycle");
                } else {
                    assertEquals(before, StepBenchmark.learningWorkspaces(), "initialised at cycle 3");
                }
            }
            Workspaces.apply("spill");
            assertEquals(0, StepBenchmark.learningWorkspaces(), "spilling: nothing will be held");
        } finally {
            Workspaces.apply("hold");
            Nd4j.getWorkspaceManager().destroyWorkspace(Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(conf, id));
        }
    }

    @Test
    void leanPerVertexWorkspacesNeverSettleByDesignSoTheyDoNotCountAsLearning() {
        try {
            Workspaces.apply("lean");
            int before = StepBenchmark.learningWorkspaces();
            String id = Workspaces.RING_PREFIX + 0;
            for (int cycle = 1; cycle <= 3; cycle++) {
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(Workspaces.LEAN_RING, id)) {
                    Nd4j.create(DataType.FLOAT, 1024, 256);
                }
            }
            MemoryWorkspace ws = Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(id);
            assertTrue(Workspaces.isLean(ws), "apply(lean) put a lean workspace under DL4J's name");
            assertTrue(ws.getMaxCycleAllocations() >= 1024 * 256 * 4, "it was used");
            assertEquals(0, ws.getCurrentSize(), "and holds nothing");
            assertEquals(before, StepBenchmark.learningWorkspaces(), "a lean workspace is not waited for");
        } finally {
            Workspaces.apply("hold");
        }
    }
}
