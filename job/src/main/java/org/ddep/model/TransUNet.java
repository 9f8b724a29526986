package org.ddep.model;

import org.ddep.config.ModelSpec;
import org.ddep.config.TransUnetSpec;
import org.ddep.model.layers.Bottleneck;
import org.ddep.model.layers.ChannelLayerNorm;
import org.ddep.model.layers.EncoderConvention;
import org.ddep.model.layers.InPlaceRelu;
import org.ddep.model.layers.LeanConvolution;
import org.ddep.model.layers.PositionEmbedding;
import org.ddep.model.layers.StdConvGroupNorm;
import org.ddep.model.layers.TransformerBlock;
import org.ddep.model.layers.Upsample2x;
import org.ddep.model.layers.UpsampleConcat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

/**
 * TransUNet as DDeP uses it (PAPER.md "Models"), as one DL4J ComputationGraph.
 * <ul>
 *   <li>Encoder: the ViT-hybrid's ResNet-50 (root 7x7/2 weight-standardised conv + GroupNorm + ReLU,
 *   3x3/2 max pool, stages of [3, 4, 9] bottleneck units reaching 1/16), a 1x1 patch embedding to
 *   768 with bias, learned position embeddings, 12 pre-norm transformer blocks and a final
 *   LayerNorm ({@code enc_norm}, the encoder's boundary).</li>
 *   <li>Decoder: conv3x3 768 -> 512 + BN + ReLU, then four cascaded blocks of bilinear 2x
 *   upsampling, concatenation with the ResNet features at 1/8, 1/4 and 1/2 (none for the last;
 *   one {@link UpsampleConcat} vertex where there is a skip) and two conv3x3-BN-ReLU, at
 *   256/128/64/16 channels times the decoder width.</li>
 * </ul>
 * The max pool pads "same" (56x56 at 224 input), so every skip lines up for any input side
 * divisible by 16. {@code model.transunet.convention} picks the encoder's definition
 * ({@link EncoderConvention}): by default the function the public ImageNet-21k checkpoint computes.
 */
final class TransUNet {
    static final String BOUNDARY = Parts.ENCODER + "norm";
    static final int MORE_CHANNELS = 512;
    private static final int[] DECODER_CHANNELS = {256, 128, 64, 16};

    private TransUNet() {
    }

    /** Adds encoder and decoder to {@code g}; returns the name of the decoder's last vertex. */
    static String addBody(ComputationGraphConfiguration.GraphBuilder g, ModelSpec spec) {
        String[] skips = addEncoderWithSkips(g, spec.transunet());
        String x = Parts.DECODER + "more";
        g.addLayer(x + "_conv", conv3x3(MORE_CHANNELS), BOUNDARY);
        x = Parts.batchNormRelu(g, x + "_bn", x + "_conv");
        // skips[0] = 1/2 (root), [1] = 1/4 (stage 1), [2] = 1/8 (stage 2); used deepest first.
        String[] skipFor = {skips[2], skips[1], skips[0], null};
        for (int i = 0; i < DECODER_CHANNELS.length; i++) {
            String p = Parts.DECODER + i;
            int c = DECODER_CHANNELS[i] * spec.decoderWidth();
            String in;
            if (skipFor[i] != null) {
                in = p + "_cat";
                g.addVertex(in, new UpsampleConcat(), x, skipFor[i]);
            } else {
                in = p + "_up";
                g.addLayer(in, new Upsample2x(), x);
            }
            for (int k = 1; k <= 2; k++) {
                g.addLayer(p + "_conv" + k, conv3x3(c), in);
                in = Parts.batchNormRelu(g, p + "_bn" + k, p + "_conv" + k);
            }
            x = in;
        }
        return x;
    }

    /** Adds the encoder alone; returns its boundary vertex (the final LayerNorm). */
    static String addEncoder(ComputationGraphConfiguration.GraphBuilder g, ModelSpec spec) {
        addEncoderWithSkips(g, spec.transunet());
        return BOUNDARY;
    }

    /** Returns the skip sources at 1/2, 1/4 and 1/8 resolution. */
    private static String[] addEncoderWithSkips(ComputationGraphConfiguration.GraphBuilder g, TransUnetSpec t) {
        int width = t.resnetWidth();
        EncoderConvention convention = EncoderConvention.fromConfig(t.convention());
        String root = Parts.ENCODER + "root";
        if (t.groupNorm()) {
            g.addLayer(root, new StdConvGroupNorm(3, width, 7, 2, TransUnetSpec.GROUPS, 1e-6, true, convention),
                    Parts.INPUT);
        } else {
            g.addLayer(root + "_conv", new LeanConvolution.Builder(7, 7).stride(2, 2).nOut(width).hasBias(false)
                    .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(), Parts.INPUT);
            root = Parts.batchNormRelu(g, root, root + "_conv");
        }
        g.addLayer(Parts.ENCODER + "pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(3, 3).stride(2, 2).convolutionMode(ConvolutionMode.Same).build(), root);
        String x = Parts.ENCODER + "pool";
        int in = width;
        String[] stageOut = new String[3];
        for (int s = 0; s < 3; s++) {
            int mid = width << s;
            int out = mid * 4;
            for (int u = 1; u <= t.resnetUnits().get(s); u++) {
                String name = unitName(s + 1, u);
                int stride = (u == 1 && s > 0) ? 2 : 1;
                if (t.groupNorm()) {
                    g.addLayer(name, new Bottleneck(in, mid, out, stride, convention), x);
                } else {
                    batchNormBottleneck(g, name, x, in, mid, out, stride);
                }
                x = name;
                in = out;
            }
            stageOut[s] = x;
        }
        String embed = Parts.ENCODER + "embed";
        g.addLayer(embed, new LeanConvolution.Builder(1, 1).nOut(t.hidden()).hasBias(true)
                .activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER).build(), stageOut[2]);
        g.addLayer(Parts.ENCODER + "pos", new PositionEmbedding(t.hidden(), t.positionGrid(), t.positionGrid()), embed);
        x = Parts.ENCODER + "pos";
        for (int l = 0; l < t.layers(); l++) {
            g.addLayer(layerName(l), new TransformerBlock(t.hidden(), t.heads(), t.mlp(), convention), x);
            x = layerName(l);
        }
        g.addLayer(BOUNDARY, new ChannelLayerNorm(t.hidden(), 1e-6), x);
        return new String[]{root, stageOut[0], stageOut[1]};
    }

    /**
     * torchvision's bottleneck (the peer's): 1x1-BN-ReLU, 3x3 (stride)-BN-ReLU, 1x1-BN, plus a strided
     * 1x1-BN projection when the shape changes, add, ReLU. The unit's output vertex is {@code name}.
     */
    private static void batchNormBottleneck(ComputationGraphConfiguration.GraphBuilder g, String name, String x,
                                            int in, int mid, int out, int stride) {
        String y = x;
        int[][] convs = {{1, mid, 1}, {3, mid, stride}, {1, out, 1}};
        for (int i = 0; i < 3; i++) {
            g.addLayer(name + "_conv" + (i + 1), new LeanConvolution.Builder(convs[i][0], convs[i][0])
                    .stride(convs[i][2], convs[i][2]).nOut(convs[i][1]).hasBias(false)
                    .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(), y);
            y = name + "_bn" + (i + 1);
            if (i < 2) {
                y = Parts.batchNormRelu(g, y, name + "_conv" + (i + 1));
            } else {
                g.addLayer(y, new BatchNormalization.Builder().activation(Activation.IDENTITY).build(), name + "_conv" + (i + 1));
            }
        }
        String shortcut = x;
        if (stride != 1 || in != out) {
            g.addLayer(name + "_proj", new LeanConvolution.Builder(1, 1).stride(stride, stride).nOut(out).hasBias(false)
                    .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(), x);
            g.addLayer(name + "_projbn", new BatchNormalization.Builder().activation(Activation.IDENTITY).build(), name + "_proj");
            shortcut = name + "_projbn";
        }
        g.addVertex(name + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), y, shortcut);
        g.addLayer(name, new InPlaceRelu(), name + "_add");
    }

    static String unitName(int stage, int unit) {
        return Parts.ENCODER + "block" + stage + "_unit" + unit;
    }

    static String layerName(int layer) {
        return Parts.ENCODER + "layer" + layer;
    }

    private static ConvolutionLayer conv3x3(int out) {
        return new LeanConvolution.Builder(3, 3).nOut(out).convolutionMode(ConvolutionMode.Same).hasBias(false)
                .activation(Activation.IDENTITY).build();
    }
}
