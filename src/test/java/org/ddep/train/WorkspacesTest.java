package org.ddep.train;

import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.testing.TinyModels;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code train.workspaces}: spilling and lean per-vertex workspaces train the same numbers as holding;
 * spilling leaves no workspace memory allocated between steps, lean none in the per-vertex workspaces,
 * where holding keeps each workspace's learnt size.
 */
class WorkspacesTest {
    @AfterEach
    void backToTheDefault() {
        Workspaces.apply("hold");
    }

    @Test
    void modesSwitchTheWholeJvmAndBadOnesAreRejected() {
        assertTrue(Workspaces.apply("spill"));
        assertTrue(Workspaces.spilling());
        assertFalse(Workspaces.apply("hold"));
        assertFalse(Workspaces.spilling());
        assertThrows(IllegalArgumentException.class, () -> Workspaces.apply("sometimes"));
    }

    @Test
    void leanTrainsTheSameParametersAndItsPerVertexWorkspacesHoldNothing() {
        INDArray held = train("hold");
        long heldRings = workspaceBytes(true);
        INDArray lean = train("lean");
        assertEquals(held, lean, "the same three Adam steps with lean per-vertex workspaces");
        assertTrue(heldRings > 0, "holding keeps the per-vertex workspaces' learnt sizes: " + heldRings);
        assertEquals(0, workspaceBytes(true), "lean per-vertex workspaces hold nothing after a step");
        assertTrue(workspaceBytes(false) > 0, "the training pass's own workspaces still hold");
        MemoryWorkspace first = Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(Workspaces.RING_PREFIX + 0);
        assertTrue(Workspaces.isLean(first), "DL4J used the lean workspace, not one of its own");
        assertTrue(first.getMaxCycleAllocations() > 0, "the steps allocated in it");
        Workspaces.apply("hold");
        for (MemoryWorkspace w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            assertFalse(Workspaces.isLean(w), "back to hold: DL4J's own per-vertex workspaces again: " + w.getId());
        }
    }

    @Test
    void spillingTrainsTheSameParametersAndHoldsNothingBetweenSteps() {
        INDArray held = train("hold");
        long heldBytes = workspaceBytes();
        INDArray spilled = train("spill");
        long spilledBytes = workspaceBytes();
        assertEquals(held, spilled, "the same three Adam steps in both modes");
        assertTrue(heldBytes > 0, "holding keeps the learnt workspaces: " + heldBytes);
        assertEquals(0, spilledBytes, "spilling holds no workspace memory after a step");
    }

    /** Three steps of a fresh tiny UNet on fixed data, with this thread's workspaces destroyed first. */
    private static INDArray train(String mode) {
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        Workspaces.apply(mode);
        ComputationGraph net = ModelFactory.create(TinyModels.spec("unet"), Head.denoise(), new CosineDecay(1e-3, 10), 11);
        Nd4j.getRandom().setSeed(13);
        int side = TinyModels.spec("unet").inputDivisor() * 2;
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, side, side);
        INDArray y = Nd4j.randn(DataType.FLOAT, 2, 3, side, side);
        for (int i = 0; i < 3; i++) {
            net.fit(new MultiDataSet(x.dup(), y.dup()));
        }
        return net.params().dup();
    }

    private static long workspaceBytes() {
        return workspaceBytes(true) + workspaceBytes(false);
    }

    /** Bytes held by this thread's per-vertex workspaces ({@code rings}) or by its others. */
    private static long workspaceBytes(boolean rings) {
        long sum = 0;
        for (MemoryWorkspace w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            if (w.getId().startsWith(Workspaces.RING_PREFIX) == rings) {
                sum += w.getCurrentSize();
            }
        }
        return sum;
    }
}
