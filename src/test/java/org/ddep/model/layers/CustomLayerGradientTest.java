package org.ddep.model.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference gradient checks (DL4J's GradientCheckUtil, double precision) of every custom
 * SameDiff layer of the TransUNet. A 1x1 DL4J convolution in front of the layer makes the check
 * cover the gradient the layer passes back to its input too, which is all a parameter-free layer has.
 * Up to 6 entries of every parameter array are perturbed (all of them for small arrays).
 */
class CustomLayerGradientTest {
    private static DataType previous;

    @BeforeAll
    static void doublePrecision() {
        previous = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restorePrecision() {
        Nd4j.setDefaultDataTypes(previous, previous);
    }

    static ComputationGraph single(Layer layer, int channels, int h, int w, int outChannels) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(7)
                .dataType(DataType.DOUBLE)
                .updater(new NoOp())
                .weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("in")
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(channels).activation(Activation.TANH).build(), "in")
                .addLayer("layer", layer, "pre")
                .addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build(), "layer")
                .setOutputs("loss")
                .setInputTypes(InputType.convolutional(h, w, channels))
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    private static void check(Layer layer, int channels, int h, int w, int outChannels, int outH, int outW) {
        Nd4j.getRandom().setSeed(11);
        ComputationGraph net = single(layer, channels, h, w, outChannels);
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, channels, h, w).subi(0.5);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 2, outChannels, outH, outW);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(net)
                .inputs(new INDArray[]{in}).labels(new INDArray[]{labels})
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)
                .subset(true).maxPerParam(6).print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
        assertTrue(ok, layer.getClass().getSimpleName() + " gradients differ from finite differences");
    }

    @ParameterizedTest
    @EnumSource(EncoderConvention.class)
    void weightStandardisedConvWithGroupNorm(EncoderConvention c) {
        check(new StdConvGroupNorm(4, 6, 3, 2, 3, 1e-6, false, c), 4, 6, 6, 6, 3, 3);
    }

    /** A 1x1 output: each channel's variance over H, W is zero, the group's is its channels' spread. */
    @ParameterizedTest
    @EnumSource(EncoderConvention.class)
    void groupNormOverOnePixel(EncoderConvention c) {
        check(new StdConvGroupNorm(4, 6, 3, 2, 3, 1e-6, false, c), 4, 2, 2, 6, 1, 1);
    }

    @ParameterizedTest
    @EnumSource(EncoderConvention.class)
    void bottleneckWithProjection(EncoderConvention c) {
        check(new Bottleneck(4, 4, 8, 2, 2, c), 4, 6, 6, 8, 3, 3);
    }

    @ParameterizedTest
    @EnumSource(EncoderConvention.class)
    void bottleneckIdentityShortcut(EncoderConvention c) {
        check(new Bottleneck(8, 4, 8, 1, 2, c), 8, 4, 4, 8, 4, 4);
    }

    @ParameterizedTest
    @EnumSource(EncoderConvention.class)
    void transformerBlock(EncoderConvention c) {
        check(new TransformerBlock(8, 2, 12, c), 8, 3, 2, 8, 3, 2);
    }

    @Test
    void channelLayerNorm() {
        check(new ChannelLayerNorm(5, 1e-6), 5, 3, 3, 5, 3, 3);
    }

    @Test
    void positionEmbeddingAtItsGridAndResized() {
        check(new PositionEmbedding(3, 2, 2), 3, 2, 2, 3, 2, 2);
        check(new PositionEmbedding(3, 2, 2), 3, 4, 3, 3, 4, 3);
    }

    /** In place after the convolution in training (its output lies in the activations workspace). */
    @Test
    void inPlaceRelu() {
        check(new InPlaceRelu(), 3, 3, 2, 3, 3, 2);
    }

    @Test
    void bilinearUpsampling() {
        check(new Upsample2x(), 3, 3, 2, 3, 6, 4);
    }

    /** Its backward pass is libnd4j's conv2d_bp alone: strided SAME without bias, and truncated with bias. */
    @Test
    void leanConvolution() {
        check(new LeanConvolution.Builder(3, 3).stride(2, 2).nOut(4).hasBias(false)
                .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same).activation(Activation.IDENTITY).build(),
                3, 5, 4, 4, 3, 2);
        check(new LeanConvolution.Builder(3, 3).nOut(2).hasBias(true).padding(1, 1)
                .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Truncate).activation(Activation.IDENTITY).build(),
                3, 4, 3, 2, 4, 3);
    }

    /** The same in slices of the batch (each image its own conv2d_bp call), as large inputs run it. */
    @Test
    void leanConvolutionInSlicesOfTheBatch() {
        long before = LeanConvolutionLayer.bpSliceBytes;
        LeanConvolutionLayer.bpSliceBytes = 1;
        try {
            leanConvolution();
        } finally {
            LeanConvolutionLayer.bpSliceBytes = before;
        }
    }

    /**
     * Sliced and whole-batch backward passes agree in float on a batch of 5 in slices of 2 (2 + 2 +
     * 1): the layer's weight and bias gradients (summed over the slices) and, through the layer
     * before it, its input gradients.
     */
    @Test
    void slicedBackwardPassMatchesTheWholeBatch() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new NoOp()).weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in")
                // "pre"'s gradients carry the sliced layer's input gradients
                .addLayer("pre", new ConvolutionLayer.Builder(1, 1).nOut(4).activation(Activation.IDENTITY).build(), "in")
                .addLayer("layer", new LeanConvolution.Builder(3, 3).nOut(6).hasBias(true)
                        .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same).activation(Activation.IDENTITY).build(), "pre")
                .addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), "layer")
                .setOutputs("loss").setInputTypes(InputType.convolutional(9, 7, 4)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        Nd4j.getRandom().setSeed(5);
        INDArray in = Nd4j.rand(DataType.FLOAT, 5, 4, 9, 7).subi(0.5);
        INDArray labels = Nd4j.rand(DataType.FLOAT, 5, 6, 9, 7);
        long before = LeanConvolutionLayer.bpSliceBytes;
        java.util.Map<String, INDArray> whole;
        java.util.Map<String, INDArray> sliced;
        try {
            net.setInputs(in);
            net.setLabels(labels);
            LeanConvolutionLayer.bpSliceBytes = Long.MAX_VALUE;
            net.computeGradientAndScore();
            whole = copy(net.gradient().gradientForVariable());
            LeanConvolutionLayer.bpSliceBytes = 2L * 6 * 9 * 7 * 4; // two images of the (larger) output gradient
            net.computeGradientAndScore();
            sliced = copy(net.gradient().gradientForVariable());
        } finally {
            LeanConvolutionLayer.bpSliceBytes = before;
        }
        assertEquals(whole.keySet(), sliced.keySet());
        for (String k : whole.keySet()) {
            assertTrue(whole.get(k).equalsWithEps(sliced.get(k), 1e-5), k + ": " + whole.get(k) + " vs " + sliced.get(k));
        }
        assertTrue(whole.values().stream().allMatch(a -> a.sumNumber().doubleValue() != 0), "a gradient is all zero");
    }

    private static java.util.Map<String, INDArray> copy(java.util.Map<String, INDArray> m) {
        java.util.Map<String, INDArray> out = new java.util.TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }
}
