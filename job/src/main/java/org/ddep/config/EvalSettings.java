package org.ddep.config;

import com.typesafe.config.Config;

import java.util.List;
import java.util.Set;

/**
 * {@code ddep.evaluate}: test-time augmentation and batching of evaluation and prediction (PAPER.md
 * "Evaluation"). Empty {@code scales} and zero {@code window}/{@code stride} mean "the paper's choice
 * for the dataset", settled by {@link #forLayout} once the shard manifest names the layout.
 */
public record EvalSettings(boolean flip, int batchSize, List<Double> scales, boolean slidingWindow, int window,
                           int stride) {
    /** ADE20K and Pascal Context: multi-scale evaluation at these scales, with flips (PAPER.md "Evaluation"). */
    public static final List<Double> PAPER_MULTI_SCALE = List.of(0.5, 0.75, 1.0, 1.25, 1.5, 1.75);
    /** Shard layouts whose paper protocol is multi-scale. */
    static final Set<String> MULTI_SCALE_LAYOUTS = Set.of("ade20k", "pascal-context");
    /** Cityscapes: a 1024x2048 image is evaluated as its two 1024x1024 halves (windows that do not overlap). */
    static final String CITYSCAPES = "cityscapes";

    /** The test-time protocol for one dataset: every "paper's choice" setting made concrete. */
    public record Protocol(boolean flip, List<Double> scales, boolean slidingWindow, int window, int stride,
                           int batchSize) implements java.io.Serializable {
        public String describe() {
            return "flip " + flip + ", scales " + scales + (slidingWindow ? ", sliding window " + window + " stride "
                    + stride : ", whole image");
        }
    }

    /**
     * The protocol for a dataset of the given shard layout, with the fine-tune crop as the default
     * window: stride = window for Cityscapes (its halves), otherwise two thirds of the window (a third
     * of each window overlaps the next).
     */
    public Protocol forLayout(String layout, int crop) {
        List<Double> s = !scales.isEmpty() ? scales : MULTI_SCALE_LAYOUTS.contains(layout) ? PAPER_MULTI_SCALE : List.of(1.0);
        int w = window > 0 ? window : crop;
        int st = stride > 0 ? stride : CITYSCAPES.equals(layout) ? w : Math.max(1, w * 2 / 3);
        return new Protocol(flip, s, slidingWindow, w, st, batchSize);
    }

    static EvalSettings from(Config root) {
        Section s = new Section(root, "ddep.evaluate");
        List<Double> scales = s.raw().getList("scales").isEmpty() ? List.of() : s.doubleList("scales", 0, 4);
        return new EvalSettings(s.bool("flip"), s.intIn("batch-size", 1, 4096), scales, s.bool("sliding-window"),
                s.intIn("window", 0, 16384), s.intIn("stride", 0, 16384));
    }

    void validate(ModelSpec model) {
        if (window > 0 && window % model.inputDivisor() != 0) {
            throw ConfigError.of("ddep.evaluate.window", window, "0 (the fine-tune crop) or a multiple of "
                    + model.inputDivisor() + " (the model's stride)");
        }
        if (window > 0 && stride > window) {
            throw ConfigError.of("ddep.evaluate.stride", stride, "at most ddep.evaluate.window = " + window
                    + " (a larger stride would leave pixels without a prediction)");
        }
    }
}
