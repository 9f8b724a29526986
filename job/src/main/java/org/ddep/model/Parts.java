package org.ddep.model;

import org.ddep.model.layers.InPlaceRelu;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.nd4j.linalg.activations.Activation;

/** Vertex-name prefixes that say which part of a model a vertex belongs to (DESIGN.md "Models"). */
public final class Parts {
    public static final String ENCODER = "enc_";
    public static final String DECODER = "dec_";
    public static final String HEAD = "head_";
    public static final String INPUT = "image";

    private Parts() {
    }

    /** Suffix of the ReLU vertex that follows a BatchNormalization or a residual add. */
    public static final String RELU = "_relu";

    /**
     * Adds BatchNormalization {@code name} over {@code input}, then a ReLU {@code name + "_relu"};
     * returns the ReLU's name. DL4J's BatchNormalization ignores an activation set on its builder,
     * so the ReLU must be its own layer ({@link InPlaceRelu}, which adds no activation memory).
     */
    static String batchNormRelu(ComputationGraphConfiguration.GraphBuilder g, String name, String input) {
        g.addLayer(name, new BatchNormalization.Builder().activation(Activation.IDENTITY).build(), input);
        return relu(g, name);
    }

    /** Adds a ReLU over {@code input} (which must have no other reader), named {@code input + "_relu"}; returns its name. */
    static String relu(ComputationGraphConfiguration.GraphBuilder g, String input) {
        g.addLayer(input + RELU, new InPlaceRelu(), input);
        return input + RELU;
    }
}
