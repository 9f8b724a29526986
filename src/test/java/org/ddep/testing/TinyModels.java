package org.ddep.testing;

import org.ddep.config.ModelSpec;
import org.ddep.config.TransUnetSpec;
import org.ddep.model.layers.SparseCnnLossLayer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;

/** Small real DL4J segmentation graphs (per-pixel softmax over classes, the segmentation head's loss) whose symmetries tests rely on. */
public final class TinyModels {
    private TinyModels() {
    }

    /** The smallest model of each architecture: "unet", "transunet-group" (the paper's ResNet), "transunet-batch" (the peer's). */
    public static ModelSpec spec(String arch) {
        return switch (arch) {
            case "unet" -> new ModelSpec("unet", 1, 4, 2);
            case "transunet-group" -> ModelSpec.transunet(1, ViTCheckpoints.TINY);
            case "transunet-batch" -> ModelSpec.transunet(1, new TransUnetSpec(List.of(1, 1, 1), 32, 32, 2, 2, 64, 2,
                    TransUnetSpec.BATCH));
            default -> throw new IllegalArgumentException(arch);
        };
    }

    /** A 1x1 convolution: each pixel's classes depend on that pixel alone (flip and window invariant). */
    public static ComputationGraph pointwise(int classes, long seed) {
        return build(classes, 1, seed);
    }

    /**
     * A 3x3 convolution, ReLU, then 1x1 to classes. With {@code mirrorSymmetric} every 3x3 kernel equals
     * its left-right mirror, so the model commutes with horizontal flips; without, it does not.
     */
    public static ComputationGraph threeByThree(int classes, boolean mirrorSymmetric, long seed) {
        ComputationGraph net = build(classes, 3, seed);
        if (mirrorSymmetric) {
            INDArray w = net.getParam("c3_W");
            w.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0))
                    .assign(w.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(2)));
        }
        return net;
    }

    private static ComputationGraph build(int classes, int kernel, long seed) {
        var g = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in");
        String last = "in";
        if (kernel > 1) {
            g.addLayer("c3", new ConvolutionLayer.Builder(kernel, kernel).nOut(6).activation(Activation.RELU).build(), last);
            last = "c3";
        }
        g.addLayer("c1", new ConvolutionLayer.Builder(1, 1).nOut(classes).activation(Activation.IDENTITY).build(), last);
        g.addLayer("out", SparseCnnLossLayer.softmax(), "c1");
        ComputationGraph net = new ComputationGraph(g.setOutputs("out").setInputTypes(InputType.convolutional(16, 16, 3))
                .build());
        net.init();
        return net;
    }
}
