package org.ddep.model;

import org.ddep.config.ModelSpec;
import org.ddep.model.layers.LeanConvolution;
import org.ddep.model.layers.SparseCnnLossLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Builds every model by name from its spec, with a chosen head, as a DL4J ComputationGraph whose
 * vertex names carry their part ({@link Parts}). All models share these boundaries, so freezing,
 * weight transfer and head replacement never special-case an architecture.
 */
public final class ModelFactory {
    /** The nominal input side used only to infer layer sizes; fully convolutional models take any multiple of the divisor. */
    private static final int NOMINAL_SIDE = 64;

    private ModelFactory() {
    }

    public static ComputationGraph create(ModelSpec spec, Head head, ISchedule learningRate, long seed) {
        ComputationGraph net = new ComputationGraph(configuration(spec, head, learningRate, seed));
        net.init();
        return net;
    }

    public static ComputationGraphConfiguration configuration(ModelSpec spec, Head head, ISchedule learningRate, long seed) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.RELU)
                .updater(new Adam(learningRate))
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder()
                .addInputs(Parts.INPUT);
        String body = switch (spec.arch()) {
            case "unet" -> head.kind() == Head.Kind.CLASSIFY ? UNet.addEncoder(g, spec) : UNet.addBody(g, spec);
            case "transunet" -> head.kind() == Head.Kind.CLASSIFY ? TransUNet.addEncoder(g, spec)
                    : TransUNet.addBody(g, spec);
            default -> throw new IllegalArgumentException("unknown model architecture " + spec.arch());
        };
        addHead(g, head, body, spec.isTransUnet() ? 3 : 1);
        int side = spec.isTransUnet() ? spec.transunet().positionGrid() * spec.inputDivisor()
                : Math.max(NOMINAL_SIDE, spec.inputDivisor());
        return g.setOutputs(Parts.HEAD + "out")
                .setInputTypes(InputType.convolutional(side, side, 3))
                .build();
    }

    /** The name of the vertex where the encoder ends: freezing it freezes the whole encoder. */
    public static String encoderBoundary(ModelSpec spec) {
        return spec.isTransUnet() ? TransUNet.BOUNDARY : UNet.encoderOutput(spec.depth());
    }

    /** The heads; pixel heads are a {@code kernel}-sized conv (1 for the UNet, 3 for TransUNet's segmentation head). */
    private static void addHead(ComputationGraphConfiguration.GraphBuilder g, Head head, String input, int kernel) {
        switch (head.kind()) {
            case DENOISE -> {
                g.addLayer(Parts.HEAD + "conv", pixelConv(head.outputs(), kernel), input);
                g.addLayer(Parts.HEAD + "out", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).build(), Parts.HEAD + "conv");
            }
            case SEGMENT -> {
                g.addLayer(Parts.HEAD + "conv", pixelConv(head.outputs(), kernel), input);
                g.addLayer(Parts.HEAD + "out", SparseCnnLossLayer.softmax(), Parts.HEAD + "conv");
            }
            case CLASSIFY -> {
                g.addLayer(Parts.HEAD + "pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), input);
                g.addLayer(Parts.HEAD + "out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(head.outputs()).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(),
                        Parts.HEAD + "pool");
            }
        }
    }

    private static ConvolutionLayer pixelConv(int out, int kernel) {
        return new LeanConvolution.Builder(kernel, kernel).nOut(out).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER).build();
    }
}
