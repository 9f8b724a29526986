package org.ddep.train;

import org.ddep.config.TrainSettings;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.DebugMode;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.Predicate;


/**
 * How ND4J's workspaces hold memory ({@code train.workspaces}). DL4J's workspaces learn the largest
 * cycle they see, then keep that much memory allocated for good; a training step uses a dozen of
 * them, each holding its own peak while the others peak.
 * <ul>
 * <li>{@code auto} (the default): {@code lean} on ND4J's CPU backend, {@code hold} on any other (CUDA), decided
 * in each JVM that trains, so a CPU driver and GPU executors each get theirs.</li>
 * <li>{@code hold}: DL4J's default.</li>
 * <li>{@code lean}: the per-vertex workspaces ({@code WS_LAYER_ACT_0..n}: a graph's activations in
 * inference and its activation gradients in the backward pass, handed from vertex to vertex as a
 * stack) allocate each array when it is needed and free it when the workspace closes; the training
 * pass's activations and the layers' working memory still hold. Each of those per-vertex workspaces
 * would otherwise keep the largest array it ever held, and they are several, so they hold several
 * of the largest arrays of the network at once. Set per thread: {@link #prepareThread} runs on the
 * thread that trains.</li>
 * <li>{@code spill}: every workspace allocates and frees every array, as PyTorch does on CPU; the
 * setting is ND4J's debug mode, so it covers the whole JVM.</li>
 * </ul>
 */
public final class Workspaces {
    /** DL4J's names for the per-vertex workspaces ({@code ComputationGraph}: "WS_LAYER_ACT_" + index). */
    public static final String RING_PREFIX = "WS_LAYER_ACT_";
    /** More than any graph here uses at once (TransUNet uses 6); one not used costs nothing. */
    static final int RING_SLOTS = 64;
    /**
     * Learns "over time" but never reaches its initialisation cycle, so it stays empty: every array
     * spills, and ND4J frees spilled arrays when a learning workspace closes (a workspace that does not
     * learn would keep them until it is next opened).
     */
    static final WorkspaceConfiguration LEAN_RING = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.OVER_TIME)
            .cyclesBeforeInitialization(Integer.MAX_VALUE)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.02)
            .build();

    /** DL4J's name for the layers' working memory ({@code ComputationGraph.WS_LAYER_WORKING_MEM}). */
    public static final String WORKING_MEM = "WS_LAYER_WORKING_MEM";

    /**
     * DL4J's configuration of its working-memory and per-vertex workspaces ({@code ComputationGraph}: learn
     * over time, 2% over-allocation, reset at block end, reallocate on spill) except that it takes the size of
     * its first cycle that allocates (ND4J's first-loop learning) instead of learning over one or two cycles
     * per vertex of the graph. Each such workspace then grows, on the first cycle
     * that spills, to the largest cycle it has seen: after one training step it holds what DL4J's own
     * configuration holds once settled (up to the 2% over-allocation), without the tens of steps that
     * learning takes in a graph of hundreds of vertices.
     */
    static final WorkspaceConfiguration SETTLE_EARLY = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.02)
            .build();

    private Workspaces() {
    }

    /**
     * Creates, on the calling thread, the learning workspaces DL4J would create with its own
     * configuration, so that they settle in the first step ({@link #SETTLE_EARLY}); the lean
     * per-vertex workspaces stay lean. For measuring steady training in a few steps (step-benchmark);
     * training keeps DL4J's configuration. Call after {@link #apply} and before the first step.
     */
    public static void settleEarly() {
        if (spilling()) {
            return;   // nothing is held
        }
        replace(WORKING_MEM, SETTLE_EARLY, Workspaces::settlesEarly);
        for (int i = 0; i < RING_SLOTS; i++) {
            replace(RING_PREFIX + i, SETTLE_EARLY, ws -> isLean(ws) || settlesEarly(ws));
        }
    }

    private static boolean settlesEarly(MemoryWorkspace ws) {
        return ws.getWorkspaceConfiguration().getPolicyLearning() == LearningPolicy.FIRST_LOOP;
    }

    /** Checks {@code mode}; fails naming the key and the modes. */
    public static String check(String mode) {
        if (!TrainSettings.WORKSPACE_MODES.contains(mode)) {
            throw new IllegalArgumentException("train.workspaces must be auto, hold, lean or spill, got " + mode);
        }
        return mode;
    }

    /**
     * The mode {@code mode} means in this JVM: {@code auto} is {@code lean} on the CPU backend and
     * {@code hold} on CUDA, where ND4J 1.0.0-M2.1 pools no device allocation, so a lean workspace's
     * arrays would each be a device allocation and free per step (docs/gpu.md).
     */
    public static String resolve(String mode) {
        if (!check(mode).equals("auto")) {
            return mode;
        }
        return Nd4j.getEnvironment().isCPU() ? "lean" : "hold";
    }

    /**
     * Applies {@code setting} (resolved by {@link #resolve}) to this JVM and to the calling thread's workspaces (call it on the thread
     * that trains, before the step allocates); returns whether every array now spills.
     */
    public static boolean apply(String setting) {
        String mode = resolve(setting);
        boolean spill = mode.equals("spill");
        DebugMode want = spill ? DebugMode.SPILL_EVERYTHING : DebugMode.DISABLED;
        if (Nd4j.getWorkspaceManager().getDebugMode() != want) {
            Nd4j.getWorkspaceManager().setDebugMode(want);
        }
        prepareThread(mode.equals("lean"));
        return spill;
    }

    /**
     * Gives the calling thread lean per-vertex workspaces (DL4J finds them by name and uses them as
     * they are), or DL4J's own again: a lean one is destroyed so that DL4J recreates it.
     */
    static void prepareThread(boolean lean) {
        for (int i = 0; i < RING_SLOTS; i++) {
            replace(RING_PREFIX + i, lean ? LEAN_RING : null, ws -> isLean(ws) == lean);
        }
    }

    /**
     * Leaves the calling thread's workspace {@code id} if it is {@code wanted}; otherwise destroys it and,
     * given {@code conf}, creates it with that configuration (DL4J finds a workspace by name and uses it as
     * it is); without, DL4J creates its own again when it next needs one.
     */
    private static void replace(String id, WorkspaceConfiguration conf, Predicate<MemoryWorkspace> wanted) {
        var manager = Nd4j.getWorkspaceManager();
        if (manager.checkIfWorkspaceExists(id)) {
            MemoryWorkspace ws = manager.getWorkspaceForCurrentThread(id);
            if (wanted.test(ws)) {
                return;
            }
            if (ws.isScopeActive()) {
                throw new IllegalStateException("workspace " + id + " is open: change workspaces between steps");
            }
            manager.destroyWorkspace(ws);
        }
        if (conf != null) {
            manager.getWorkspaceForCurrentThread(conf, id);
        }
    }

    /** Whether {@code ws} is one of the lean per-vertex workspaces (it never settles, by design). */
    public static boolean isLean(MemoryWorkspace ws) {
        return ws.getWorkspaceConfiguration().getCyclesBeforeInitialization() == Integer.MAX_VALUE
                && ws.getId().startsWith(RING_PREFIX);
    }

    /** Whether arrays spill in this JVM. */
    public static boolean spilling() {
        return Nd4j.getWorkspaceManager().getDebugMode() == DebugMode.SPILL_EVERYTHING;
    }
}
