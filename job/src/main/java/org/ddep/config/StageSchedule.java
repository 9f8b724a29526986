package org.ddep.config;

import com.typesafe.config.Config;

/**
 * The schedule of one training stage: epochs, global batch, peak Adam learning rate (cosine-decayed
 * to 0), input side and left-right flips.
 */
public record StageSchedule(String stage, int epochs, int globalBatch, double learningRate, int imageSize,
                            boolean flip) {
    /** Reads {@code ddep.<stage>}; a learning rate of 0 is accepted only where it means "the paper's rate". */
    static StageSchedule from(Config root, String stage, String sizeKey, boolean zeroMeansPaperRate) {
        Section s = new Section(root, "ddep." + stage);
        double lr = s.doubleIn("learning-rate", 0, 10, zeroMeansPaperRate);
        return new StageSchedule(stage, s.intIn("epochs", 1, 1_000_000), s.intIn("batch-size", 1, 1_000_000),
                lr, s.intIn(sizeKey, 8, 8192), s.bool("flip"));
    }

    /** The batch each worker fits: the global batch must divide evenly across the workers. */
    public int batchPerWorker(int workers) {
        return globalBatch / workers;
    }

    void validate(TrainSettings train, ModelSpec model, String sizeKey) {
        if (globalBatch % train.workers() != 0) {
            throw ConfigError.of("ddep." + stage + ".batch-size", globalBatch, "a multiple of ddep.train.workers = "
                    + train.workers() + " (the global batch is split evenly across workers), e.g. "
                    + Math.max(train.workers(), globalBatch / train.workers() * train.workers()));
        }
        if (imageSize % model.inputDivisor() != 0) {
            throw ConfigError.of("ddep." + stage + "." + sizeKey, imageSize, "a multiple of " + model.inputDivisor()
                    + " (" + model.divisorReason() + ")");
        }
    }
}
