package org.ddep.model;

import org.ddep.config.ModelSpec;
import org.ddep.model.layers.LeanConvolution;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.Activation;

/**
 * The standard UNet of shared/bench/peer_torch.py, layer for layer: per level two
 * (conv3x3 -> BN -> ReLU), 2x2 max-pool down, 2x2 stride-2 transposed conv up, skip by channel
 * concat, base width doubling per level. The encoder is every down level including the deepest;
 * the decoder's channels are multiplied by the decoder width.
 */
final class UNet {
    private UNet() {
    }

    /** Adds encoder and decoder to {@code g}; returns the name of the decoder's last vertex. */
    static String addBody(ComputationGraphConfiguration.GraphBuilder g, ModelSpec spec) {
        String deepest = addEncoder(g, spec);
        String x = deepest;
        for (int i = spec.depth() - 1; i >= 0; i--) {
            int c = channels(spec, i) * spec.decoderWidth();
            String p = Parts.DECODER + i;
            g.addLayer(p + "_up", new Deconvolution2D.Builder().kernelSize(2, 2).stride(2, 2).nOut(c)
                    .activation(Activation.IDENTITY).build(), x);
            g.addVertex(p + "_cat", new MergeVertex(), p + "_up", encoderOutput(i));
            x = convBnRelu(g, p, c, p + "_cat");
        }
        return x;
    }

    /** Adds the encoder alone; returns the name of its deepest vertex (the encoder/decoder boundary). */
    static String addEncoder(ComputationGraphConfiguration.GraphBuilder g, ModelSpec spec) {
        String x = Parts.INPUT;
        for (int i = 0; i <= spec.depth(); i++) {
            String p = Parts.ENCODER + i;
            if (i > 0) {
                g.addLayer(p + "_pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(2, 2).stride(2, 2).build(), x);
                x = p + "_pool";
            }
            x = convBnRelu(g, p, channels(spec, i), x);
        }
        return x;
    }

    static int channels(ModelSpec spec, int level) {
        return spec.baseChannels() << level;
    }

    /** The vertex the encoder's level {@code i} hands to the decoder's skip connection. */
    static String encoderOutput(int level) {
        return Parts.ENCODER + level + "_bn2" + Parts.RELU;
    }

    private static String convBnRelu(ComputationGraphConfiguration.GraphBuilder g, String prefix, int channels,
                                     String input) {
        String x = input;
        for (int k = 1; k <= 2; k++) {
            g.addLayer(prefix + "_conv" + k, new LeanConvolution.Builder(3, 3).nOut(channels)
                    .convolutionMode(ConvolutionMode.Same).hasBias(false).activation(Activation.IDENTITY).build(), x);
            x = Parts.batchNormRelu(g, prefix + "_bn" + k, prefix + "_conv" + k);
        }
        return x;
    }
}
