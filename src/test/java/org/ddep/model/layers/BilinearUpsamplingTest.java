package org.ddep.model.layers;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Upsample2x} computes PyTorch's {@code interpolate(scale_factor=2, mode="bilinear",
 * align_corners=False)}: every output pixel interpolates the input at source coordinate
 * (dst + 0.5) / 2 - 0.5, clamped to the image. Its gradients are checked in CustomLayerGradientTest.
 */
class BilinearUpsamplingTest {

    /** The layer alone in double precision, its output read through an identity loss layer. */
    static ComputationGraph alone(org.deeplearning4j.nn.conf.layers.Layer layer, int c, int h, int w) {
        ComputationGraph net = new ComputationGraph(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE).graphBuilder().addInputs("in")
                .addLayer("layer", layer, "in")
                .addLayer("out", new org.deeplearning4j.nn.conf.layers.CnnLossLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MSE)
                        .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build(), "layer")
                .setOutputs("out").setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.convolutional(h, w, c)).build());
        net.init();
        return net;
    }

    @Test
    void outputIsHalfPixelBilinearInterpolationWithClampedEdges() {
        Nd4j.getRandom().setSeed(5);
        int c = 3;
        int h = 5;
        int w = 4;
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, c, h, w);
        ComputationGraph net = alone(new Upsample2x(), c, h, w);
        INDArray y = net.outputSingle(false, x);
        assertEquals(java.util.List.of(2L, (long) c, 2L * h, 2L * w), java.util.List.of(y.size(0), y.size(1), y.size(2), y.size(3)));
        for (int b = 0; b < 2; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < 2 * h; i++) {
                    for (int j = 0; j < 2 * w; j++) {
                        double sy = Math.min(Math.max((i + 0.5) / 2 - 0.5, 0), h - 1);
                        double sx = Math.min(Math.max((j + 0.5) / 2 - 0.5, 0), w - 1);
                        int y0 = (int) Math.floor(sy);
                        int x0 = (int) Math.floor(sx);
                        int y1 = Math.min(y0 + 1, h - 1);
                        int x1 = Math.min(x0 + 1, w - 1);
                        double fy = sy - y0;
                        double fx = sx - x0;
                        double want = (1 - fy) * ((1 - fx) * x.getDouble(b, ch, y0, x0) + fx * x.getDouble(b, ch, y0, x1))
                                + fy * ((1 - fx) * x.getDouble(b, ch, y1, x0) + fx * x.getDouble(b, ch, y1, x1));
                        assertEquals(want, y.getDouble(b, ch, i, j), 1e-12, "output " + b + "," + ch + "," + i + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void aOneRowInputUpsamplesLikeTheDefinition() {
        INDArray x = Nd4j.create(new double[]{1, 2, 3}, new long[]{1, 1, 1, 3}, 'c');
        INDArray y = alone(new Upsample2x(), 1, 1, 3).outputSingle(false, x);
        assertEquals(Nd4j.create(new double[]{1, 1.25, 1.75, 2.25, 2.75, 3, 1, 1.25, 1.75, 2.25, 2.75, 3},
                new long[]{1, 1, 2, 6}, 'c'), y);
    }
}
