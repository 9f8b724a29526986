package org.ddep.train;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Cosine learning-rate decay to 0 over a stage's iterations (PAPER.md "Fine-tuning"):
 * lr(t) = lr0 * (1 + cos(pi * t / T)) / 2, held at 0 after T. A named public class with a no-arg
 * constructor, so configurations and saved models can restore it (DESIGN.md "Known pitfalls").
 */
public class CosineDecay implements ISchedule {
    @JsonProperty("initialValue")
    private double initialValue;
    @JsonProperty("totalIterations")
    private int totalIterations;

    public CosineDecay() {
        this(0, 1);
    }

    public CosineDecay(@JsonProperty("initialValue") double initialValue,
                       @JsonProperty("totalIterations") int totalIterations) {
        if (totalIterations < 1) {
            throw new IllegalArgumentException("cosine decay needs at least one iteration, got " + totalIterations);
        }
        this.initialValue = initialValue;
        this.totalIterations = totalIterations;
    }

    public static double at(double initialValue, int totalIterations, int iteration) {
        double t = Math.min(Math.max(iteration, 0), totalIterations) / (double) totalIterations;
        return initialValue * 0.5 * (1 + Math.cos(Math.PI * t));
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return at(initialValue, totalIterations, iteration);
    }

    public double getInitialValue() {
        return initialValue;
    }

    public int getTotalIterations() {
        return totalIterations;
    }

    @Override
    public ISchedule clone() {
        return new CosineDecay(initialValue, totalIterations);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CosineDecay c && c.initialValue == initialValue && c.totalIterations == totalIterations;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(initialValue) * 31 + totalIterations;
    }

    @Override
    public String toString() {
        return "CosineDecay(" + initialValue + ", " + totalIterations + ")";
    }
}
