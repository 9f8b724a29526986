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
 * {@code train.workspaces}: spilling trains the same numbers as holding, and leaves no workspace
 * memory allocated between steps, where holding keeps each workspace's learnt size.
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
        long sum = 0;
        for (MemoryWorkspace w : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            sum += w.getCurrentSize();
        }
        return sum;
    }
}
