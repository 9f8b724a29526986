package org.ddep.model;

import org.ddep.config.ModelSpec;
import org.ddep.model.layers.InPlaceRelu;
import org.ddep.model.layers.LeanConvolution;
import org.ddep.testing.TinyModels;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every model builder must keep, whatever the architecture: the ReLUs are really there (DL4J's
 * BatchNormalization ignores an activation set on it: a network built that way is linear between its
 * pooling layers), and each in-place ReLU is its input's only reader, so rectifying that input where
 * it lies changes nothing any other vertex reads.
 */
class ModelContractsTest {
    @ParameterizedTest
    @ValueSource(strings = {"unet", "transunet-group", "transunet-batch"})
    void batchNormCarriesNoActivationAndEveryInPlaceReluIsItsInputsOnlyReader(String arch) {
        ComputationGraphConfiguration conf = ModelFactory.create(TinyModels.spec(arch), Head.segment(3), new CosineDecay(1e-3, 1), 0)
                .getConfiguration();
        int relus = 0;
        for (Map.Entry<String, org.deeplearning4j.nn.conf.graph.GraphVertex> v : conf.getVertices().entrySet()) {
            if (!(v.getValue() instanceof LayerVertex lv)) {
                continue;
            }
            if (lv.getLayerConf().getLayer() instanceof BatchNormalization bn) {
                assertTrue(bn.getActivationFn() == null || bn.getActivationFn() instanceof ActivationIdentity,
                        v.getKey() + ": DL4J's BatchNormalization would silently ignore its activation " + bn.getActivationFn());
            }
            if (lv.getLayerConf().getLayer() instanceof InPlaceRelu) {
                relus++;
                String input = conf.getVertexInputs().get(v.getKey()).get(0);
                List<String> readers = new ArrayList<>();
                conf.getVertexInputs().forEach((reader, inputs) -> {
                    if (inputs.contains(input)) {
                        readers.add(reader);
                    }
                });
                assertEquals(List.of(v.getKey()), readers, v.getKey() + " rectifies " + input + " in place, which others read");
            }
        }
        assertTrue(relus > 0, arch + " has no ReLU");
    }

    /**
     * Rectifying in place changes nothing the network computes: score and every gradient equal those of
     * the same network with DL4J's copying ActivationLayer in each ReLU's place, in a training step.
     */
    @ParameterizedTest
    @ValueSource(strings = {"unet", "transunet-batch"})
    void inPlaceReluComputesWhatTheCopyingActivationLayerComputes(String arch) {
        ComputationGraph net = ModelFactory.create(TinyModels.spec(arch), Head.segment(3), new CosineDecay(1e-3, 1), 0);
        ComputationGraphConfiguration conf = net.getConfiguration().clone();
        for (Map.Entry<String, org.deeplearning4j.nn.conf.graph.GraphVertex> v : conf.getVertices().entrySet()) {
            if (v.getValue() instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof InPlaceRelu) {
                org.deeplearning4j.nn.conf.layers.ActivationLayer copy = new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder()
                        .activation(org.nd4j.linalg.activations.Activation.RELU).build();
                copy.setLayerName(v.getKey());
                lv.getLayerConf().setLayer(copy);
            }
        }
        assertSameTrainingStep(arch, net, conf);
    }

    /**
     * Skipping DL4J's forward recompute in the convolutions' backward pass changes nothing the network
     * computes: score, every gradient and the next step equal those of the same network with DL4J's own
     * ConvolutionLayer; and a training step runs each convolution's forward pass once, not twice.
     */
    @ParameterizedTest
    @ValueSource(strings = {"unet", "transunet-batch"})
    void leanConvolutionComputesWhatDl4jsConvolutionComputesWithoutTheForwardRecompute(String arch) {
        ComputationGraph net = ModelFactory.create(TinyModels.spec(arch), Head.segment(3), new CosineDecay(1e-3, 1), 0);
        String json = net.getConfiguration().toJson();
        String lean = "\"" + LeanConvolution.class.getName() + "\"";
        int convolutions = json.split(java.util.regex.Pattern.quote(lean), -1).length - 1;
        assertTrue(convolutions > 3, arch + " builds its convolutions with LeanConvolution");
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(
                json.replace(lean, "\"" + org.deeplearning4j.nn.conf.layers.ConvolutionLayer.class.getName() + "\""));
        assertSameTrainingStep(arch, net, conf);

        ComputationGraph reference = new ComputationGraph(conf);
        reference.init(net.params().dup(), false);
        long leanForward = forwardConvolutions(net, arch);
        long dl4jForward = forwardConvolutions(reference, arch);
        assertTrue(leanForward < dl4jForward, "forward convolutions in one step: " + leanForward + " vs DL4J's " + dl4jForward);
        assertEquals(dl4jForward - leanForward, convolutions,
                "each LeanConvolution saves exactly its recompute: " + leanForward + " vs DL4J's " + dl4jForward);
    }

    /** The native forward-convolution ops ({@code conv2d}, or DL4J's {@code im2col}) one training step runs. */
    private static long forwardConvolutions(ComputationGraph net, String arch) {
        int side = TinyModels.spec(arch).inputDivisor() * 2;
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, side, side);
        net.setInputs(x);
        net.setLabels(Nd4j.zeros(DataType.FLOAT, 2, 1, side, side));
        net.computeGradientAndScore(); // warm-up: helpers and workspaces settle
        OpProfiler profiler = OpProfiler.getInstance();
        ProfilerConfig before = profiler.getConfig();
        profiler.reset();
        Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(true).checkWorkspaces(false).build());
        try {
            net.computeGradientAndScore();
        } finally {
            Nd4j.getExecutioner().setProfilingConfig(before);
        }
        long n = profiler.getOpCounter().getCount("conv2d") + profiler.getOpCounter().getCount("im2col");
        profiler.reset();
        return n;
    }

    /** A training step of {@code net} equals one of {@code conf} with the same parameters: score, gradients, next step. */
    private static void assertSameTrainingStep(String arch, ComputationGraph net, ComputationGraphConfiguration conf) {
        ModelSpec spec = TinyModels.spec(arch);
        ComputationGraph reference = new ComputationGraph(conf);
        reference.init(net.params().dup(), true);
        int side = spec.inputDivisor() * 2;
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, side, side).subi(0.5);
        INDArray labels = Nd4j.createUninitialized(DataType.FLOAT, 2, 1, side, side).assign(1);
        org.nd4j.linalg.dataset.MultiDataSet batch = new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{x}, new INDArray[]{labels});
        net.setInputs(x);
        net.setLabels(labels);
        net.computeGradientAndScore();
        reference.setInputs(x);
        reference.setLabels(labels);
        reference.computeGradientAndScore();
        assertEquals(reference.score(), net.score(), 1e-6 * Math.abs(reference.score()));
        INDArray a = reference.gradient().gradient();
        INDArray b = net.gradient().gradient();
        double scale = a.amaxNumber().doubleValue();
        assertTrue(a.sub(b).amaxNumber().doubleValue() <= 1e-5 * scale, arch + ": gradients differ");
        // and one fitted step later the parameters agree
        net.fit(batch);
        reference.fit(batch);
        assertTrue(net.params().sub(reference.params()).amaxNumber().doubleValue() <= 1e-5 * net.params().amaxNumber().doubleValue());
    }

    /** A model written with a ReLU set on a BatchNormalization (which DL4J ignores) is refused on load, by file and layer. */
    @org.junit.jupiter.api.Test
    void aModelWithAnActivationOnBatchNormIsRefusedOnLoad() {
        ComputationGraphConfiguration conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in")
                .setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(4, 4, 3))
                .addLayer("bn", new BatchNormalization.Builder().activation(org.nd4j.linalg.activations.Activation.RELU).build(), "in")
                .addLayer("out", new org.deeplearning4j.nn.conf.layers.CnnLossLayer.Builder().build(), "bn")
                .setOutputs("out").build();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ModelFiles.refuseLinearBatchNorm(conf, "file:/runs/x/pretrain-decoder/model.zip"));
        assertTrue(e.getMessage().contains("file:/runs/x/pretrain-decoder/model.zip") && e.getMessage().contains("layer bn"),
                e.getMessage());
        for (String arch : List.of("unet", "transunet-group", "transunet-batch")) {
            ModelFiles.refuseLinearBatchNorm(ModelFactory.create(TinyModels.spec(arch), Head.segment(3), new CosineDecay(1e-3, 1), 0)
                    .getConfiguration(), arch);
        }
    }

    /**
     * Every ReLU vertex's output is non-negative where its input was negative, in training and inference,
     * and the training forward pass (in place) computes what inference (copying) does.
     */
    @ParameterizedTest
    @ValueSource(strings = {"unet", "transunet-group", "transunet-batch"})
    void reluVerticesRectifyInTrainingAndInference(String arch) {
        ModelSpec spec = TinyModels.spec(arch);
        ComputationGraph net = ModelFactory.create(spec, Head.segment(3), new CosineDecay(1e-3, 1), 0);
        int side = spec.inputDivisor() * 2;
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, side, side).subi(0.5).muli(2);
        INDArray copy = x.dup();
        Map<String, INDArray> train = net.feedForward(x, true);
        assertEquals(copy, x, "the network's input must not be modified");
        int checked = 0;
        for (String name : train.keySet()) {
            if (net.getVertex(name).hasLayer() && net.getVertex(name).getLayer().conf().getLayer() instanceof InPlaceRelu) {
                assertTrue(train.get(name).minNumber().doubleValue() >= 0, name + " has negative outputs");
                assertTrue(train.get(name).maxNumber().doubleValue() > 0, name + " is all zero");
                checked++;
            }
        }
        assertTrue(checked > 0);
        // Inference with batch statistics differs from training; the same network in inference twice must agree,
        // and must not have changed its input.
        INDArray a = net.outputSingle(false, x);
        INDArray b = net.outputSingle(false, x);
        assertEquals(a, b);
        assertEquals(copy, x);
        assertFalse(a.isEmpty());
    }
}
