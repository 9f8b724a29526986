package org.ddep.model;

/**
 * The output heads every model offers on the same boundaries (DESIGN.md "Models"): the denoising
 * head (3 channels, linear, L2), the segmentation head (C channels, softmax, per-pixel cross-entropy
 * on class-index labels with a mask for ignore pixels) and the encoder's classification head (global
 * pool + softmax).
 */
public record Head(Kind kind, int outputs) {
    public enum Kind { DENOISE, SEGMENT, CLASSIFY }

    public static Head denoise() {
        return new Head(Kind.DENOISE, 3);
    }

    public static Head segment(int classes) {
        return new Head(Kind.SEGMENT, classes);
    }

    public static Head classify(int classes) {
        return new Head(Kind.CLASSIFY, classes);
    }

    public Head {
        if (outputs < 1) {
            throw new IllegalArgumentException(kind + " head needs at least one output, got " + outputs);
        }
    }
}
