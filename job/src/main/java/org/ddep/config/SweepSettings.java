package org.ddep.config;

import com.typesafe.config.Config;

import java.util.List;

/**
 * {@code ddep.sweep}: the label-efficiency experiment (mIoU against the fraction of labels, DDeP
 * against the supervised-encoder-only baseline), the noise-level sweep (PAPER.md "Findings to
 * reproduce") and the parameter-averaging sweep (what averaging costs against synchronous training).
 *
 * @param finetuneExamples training examples every sweep fine-tune run sees in all, so that every
 *                         fraction gets the same number of optimiser steps; 0 = {@code finetune.epochs}
 *                         epochs of each fraction's labelled images
 * @param seeds            fine-tuning seeds per comparison point (every fraction, every noise level, and the
 *                         pipeline's own fine-tuning runs): DDeP and the baseline share each seed, so their
 *                         difference is paired
 * @param workers          worker counts of the parameter-averaging sweep ({@code --mode averaging})
 * @param averagingFrequencies minibatches per worker between averages in that sweep (for more than one worker)
 * @param averagingFraction the label fraction that sweep fine-tunes at
 */
public record SweepSettings(List<Double> fractions, List<Double> sigmas, double sigmaFraction, long finetuneExamples,
                            int seeds, List<Integer> workers, List<Integer> averagingFrequencies,
                            double averagingFraction) {
    /** Fine-tuning seeds above this are more runs than any comparison here needs: a typo, most likely. */
    public static final int MAX_SEEDS = 100;

    static SweepSettings from(Config root) {
        Section s = new Section(root, "ddep.sweep");
        long examples = s.longValue("finetune-examples");
        if (examples < 0) {
            throw ConfigError.of(s.key("finetune-examples"), examples, "0 (finetune.epochs) or a number of examples");
        }
        return new SweepSettings(s.doubleList("fractions", 0, 1), s.doubleList("sigmas", 0, 100),
                s.doubleIn("sigma-fraction", 0, 1, false), examples, s.intIn("seeds", 1, MAX_SEEDS),
                s.intList("workers", 1, 100_000), s.intList("averaging-frequencies", 1, 100_000),
                s.doubleIn("averaging-fraction", 0, 1, false));
    }
}
