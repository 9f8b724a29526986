package org.ddep.model;

import org.ddep.config.ModelSpec;
import org.ddep.config.TransUnetSpec;
import org.ddep.testing.ViTCheckpoints;
import org.ddep.testing.VitHybridReference;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The imported encoder computes the checkpoint's own function: a small generated checkpoint in
 * the public R50+ViT layout is imported, and the encoder's outputs on a fixed input are held, after
 * the root, the pool, every ResNet unit and at {@code enc_norm}, to an independent plain-Java
 * implementation of the original JAX/Flax definition ({@link VitHybridReference}).
 */
class ImportedEncoderFunctionTest {
    /** Every part present: identity and projection units, two transformer layers; 64x64 input -> 4x4 tokens. */
    static final TransUnetSpec SMALL = new TransUnetSpec(List.of(2, 1, 2), 32, 32, 2, 2, 64, 4);
    static final int SIDE = 64;
    static final int HEADS = 2;

    private static Map<String, INDArray> checkpoint;
    private static INDArray image;
    private static Map<String, VitHybridReference.Tensor> reference;

    @BeforeAll
    static void referenceOutputs() {
        checkpoint = ViTCheckpoints.checkpoint(SMALL, 4, HEADS, 5);
        Nd4j.getRandom().setSeed(3);
        image = Nd4j.rand(DataType.FLOAT, 1, 3, SIDE, SIDE).muli(2).subi(1);
        reference = new VitHybridReference(checkpoint, SMALL.resnetUnits(), SMALL.layers(), HEADS)
                .forward(image.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)));
    }

    /** Relative L2 error of every compared vertex of {@code spec}'s imported encoder against the reference. */
    private static Map<String, Double> errors(TransUnetSpec spec) {
        ComputationGraph net = ModelFactory.create(ModelSpec.transunet(1, spec), Head.denoise(),
                new CosineDecay(1e-4, 1), 0);
        VitCheckpoint.load(net, spec, checkpoint, "generated.npz");
        Map<String, INDArray> acts = net.feedForward(image, false);
        Map<String, Double> err = new LinkedHashMap<>();
        reference.forEach((vertex, ref) -> {
            INDArray got = acts.get(vertex);
            assertTrue(got != null, "model has no vertex " + vertex);
            INDArray nhwc = got.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).permute(1, 2, 0)
                    .castTo(DataType.DOUBLE).dup('c');
            assertEquals(List.of((long) ref.shape()[0], (long) ref.shape()[1], (long) ref.shape()[2]),
                    List.of(nhwc.size(0), nhwc.size(1), nhwc.size(2)), vertex + " shape");
            double[] g = nhwc.data().asDouble();
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < g.length; i++) {
                diff += (g[i] - ref.v()[i]) * (g[i] - ref.v()[i]);
                norm += ref.v()[i] * ref.v()[i];
            }
            err.put(vertex, Math.sqrt(diff / norm));
        });
        System.out.println("relative L2 error against the JAX definition, " + spec.convention() + ": " + err);
        return err;
    }

    @Test
    void importedEncoderMatchesTheCheckpointsDefinitionEndToEnd() {
        Map<String, Double> err = errors(SMALL);
        List<String> bad = new ArrayList<>();
        err.forEach((v, e) -> {
            if (!(e < 1e-4)) {
                bad.add(v + " " + e);
            }
        });
        assertTrue(bad.isEmpty(), "relative L2 error >= 1e-4 at " + bad + " (all: " + err + ")");
        assertEquals(reference.keySet(), err.keySet());
    }

    @Test
    void transUNetPytorchConventionComputesADifferentFunction() {
        Map<String, Double> err = errors(SMALL.withConvention(TransUnetSpec.TRANSUNET_PYTORCH));
        // The port's symmetric padding shifts the root's sampling grid: already far off there.
        assertTrue(err.get("enc_root") > 1e-2, "root: " + err);
        assertTrue(err.get("enc_norm") > 1e-2, "enc_norm: " + err);
    }
}
