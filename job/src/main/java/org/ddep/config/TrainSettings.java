package org.ddep.config;

import com.typesafe.config.Config;

/** {@code ddep.train}: Spark parameter averaging, shared by every training stage. */
public record TrainSettings(int workers, int averagingFrequency, int prefetchBatches, boolean stopOnNan,
                            boolean collectStats, int chunkRounds, int checkpointRounds, double checkpointMinutes,
                            String workspaces) {
    /** {@code train.workspaces}: how ND4J's workspaces hold memory ({@code org.ddep.train.Workspaces}). */
    public static final java.util.Set<String> WORKSPACE_MODES = java.util.Set.of("auto", "hold", "lean", "spill");

    /** These settings with another worker count and averaging frequency (the averaging sweep). */
    public TrainSettings withAveraging(int workers, int averagingFrequency) {
        return new TrainSettings(workers, averagingFrequency, prefetchBatches, stopOnNan, collectStats, chunkRounds,
                checkpointRounds, checkpointMinutes, workspaces);
    }

    static TrainSettings from(Config root) {
        Section s = new Section(root, "ddep.train");
        return new TrainSettings(s.intIn("workers", 1, 100_000), s.intIn("averaging-frequency", 1, 100_000),
                s.intIn("prefetch-batches", 0, 64), s.bool("stop-on-nan"), s.bool("collect-stats"),
                s.intIn("chunk-rounds", 1, 10_000), s.intIn("checkpoint-rounds", 0, 100_000_000),
                s.doubleIn("checkpoint-minutes", 0, 1e6, true), s.oneOf("workspaces", WORKSPACE_MODES));
    }
}
