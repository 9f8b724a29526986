package org.ddep.train;

import org.nd4j.linalg.api.memory.enums.DebugMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How ND4J's workspaces hold memory in this JVM ({@code train.workspaces}). DL4J's workspaces learn
 * the largest cycle they see, then keep that much memory allocated for good; a training step uses a
 * dozen of them, each holding its own peak while the others peak. Spilling allocates every array
 * when it is needed and frees it when its workspace closes, which is how PyTorch works on CPU. The
 * setting is the workspace manager's, so it covers the whole JVM.
 */
public final class Workspaces {
    private Workspaces() {
    }

    /** Applies {@code mode} (hold or spill) to this JVM; returns whether arrays now spill. */
    public static boolean apply(String mode) {
        boolean spill = switch (mode) {
            case "spill" -> true;
            case "hold" -> false;
            default -> throw new IllegalArgumentException("train.workspaces must be hold or spill, got " + mode);
        };
        DebugMode want = spill ? DebugMode.SPILL_EVERYTHING : DebugMode.DISABLED;
        if (Nd4j.getWorkspaceManager().getDebugMode() != want) {
            Nd4j.getWorkspaceManager().setDebugMode(want);
        }
        return spill;
    }

    /** Whether arrays spill in this JVM. */
    public static boolean spilling() {
        return Nd4j.getWorkspaceManager().getDebugMode() == DebugMode.SPILL_EVERYTHING;
    }
}
