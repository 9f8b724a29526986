package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link UpsampleConcat} is an {@link Upsample2x} layer followed by a channel concatenation with the
 * skip: same output, same gradients for both inputs (those of Upsample2x are checked in
 * CustomLayerGradientTest).
 */
class UpsampleConcatTest {
    private static final int C = 3;
    private static final int SKIP = 2;
    private static final int H = 3;
    private static final int W = 4;

    private static ComputationGraph graph(boolean fused) {
        // 1x1 convolutions in front, so that the gradients reaching both inputs show in parameter gradients
        var g = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).seed(3).graphBuilder().addInputs("x", "skip")
                .addLayer("px", new ConvolutionLayer.Builder(1, 1).nOut(C).activation(Activation.IDENTITY).build(), "x")
                .addLayer("ps", new ConvolutionLayer.Builder(1, 1).nOut(SKIP).activation(Activation.IDENTITY).build(), "skip");
        if (fused) {
            g.addVertex("cat", new UpsampleConcat(), "px", "ps");
        } else {
            g.addLayer("up", new Upsample2x(), "px");
            g.addVertex("cat", new MergeVertex(), "up", "ps");
        }
        g.addLayer("out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build(), "cat")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(H, W, C), InputType.convolutional(2 * H, 2 * W, SKIP));
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    private static INDArray[] inputs() {
        Nd4j.getRandom().setSeed(11);
        return new INDArray[]{Nd4j.rand(DataType.DOUBLE, 2, C, H, W), Nd4j.rand(DataType.DOUBLE, 2, SKIP, 2 * H, 2 * W)};
    }

    @Test
    void outputAndInputGradientsAreThoseOfUpsamplingThenConcatenation() {
        INDArray[] in = inputs();
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 2, C + SKIP, 2 * H, 2 * W);
        ComputationGraph fused = graph(true);
        ComputationGraph plain = graph(false);
        plain.paramTable().forEach((name, value) -> fused.setParam(name, value.dup()));
        assertEquals(plain.outputSingle(false, in), fused.outputSingle(false, in));
        Map<String, INDArray> want = gradients(plain, in, labels);
        Map<String, INDArray> got = gradients(fused, in, labels);
        assertEquals(want.keySet(), got.keySet());
        for (String name : want.keySet()) {
            assertTrue(want.get(name).equalsWithEps(got.get(name), 1e-12), name + ": " + want.get(name) + " vs " + got.get(name));
        }
    }

    private static Map<String, INDArray> gradients(ComputationGraph net, INDArray[] in, INDArray labels) {
        net.setInputs(in);
        net.setLabels(labels);
        net.computeGradientAndScore();
        Map<String, INDArray> out = new TreeMap<>();
        net.gradient().gradientForVariable().forEach((name, g) -> out.put(name, g.dup()));
        return out;
    }

    @Test
    void survivesJsonAndModelSerializer(@TempDir Path dir) throws Exception {
        ComputationGraph net = graph(true);
        ComputationGraphConfiguration conf = net.getConfiguration();
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        File file = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(file, true);
        INDArray[] in = inputs();
        assertEquals(net.outputSingle(false, in), back.outputSingle(false, in));
    }
}
