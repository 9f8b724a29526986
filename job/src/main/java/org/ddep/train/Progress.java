package org.ddep.train;

/** Throughput and time left of a stage, from the rounds seen so far. */
final class Progress {
    private final int roundsLeftAtStart;
    private int roundsDone;
    private double seconds;

    Progress(SparkTrainer.Plan plan, int startEpoch, int startRound) {
        this.roundsLeftAtStart = (plan.epochs() - startEpoch) * plan.roundsPerEpoch() - startRound;
    }

    record Line(double examplesPerSecond, double etaSeconds) {
    }

    Line round(double roundSeconds, double examples) {
        roundsDone++;
        seconds += roundSeconds;
        double perRound = seconds / roundsDone;
        return new Line(examples / Math.max(roundSeconds, 1e-9), Math.max(0, roundsLeftAtStart - roundsDone) * perRound);
    }

    static String duration(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%dh%02dm", t / 3600, t % 3600 / 60)
                : t >= 60 ? String.format("%dm%02ds", t / 60, t % 60) : t + "s";
    }
}
