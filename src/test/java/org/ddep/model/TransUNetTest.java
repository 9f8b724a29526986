package org.ddep.model;

import org.ddep.config.ModelSpec;
import org.ddep.config.TransUnetSpec;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TransUNetTest {
    static final TransUnetSpec TINY = org.ddep.testing.ViTCheckpoints.TINY;

    /**
     * The architecture counted layer by layer from its description (PAPER.md "Models"), independently
     * of the graph builder, plus DL4J's BatchNorm running statistics (2 per decoder BN channel).
     */
    static long expectedParameters(TransUnetSpec t, int width, int classes) {
        long n = 0;
        int w = t.resnetWidth();
        n += 7L * 7 * 3 * w + 2L * w;                                     // root conv + GroupNorm
        int in = w;
        for (int s = 0; s < 3; s++) {
            int mid = w << s;
            int out = 4 * mid;
            for (int u = 0; u < t.resnetUnits().get(s); u++) {
                n += (long) in * mid + 9L * mid * mid + (long) mid * out;   // 1x1, 3x3, 1x1 (no bias)
                n += 2L * mid + 2L * mid + 2L * out;                        // three GroupNorms
                if (u == 0) {
                    n += (long) in * out + 2L * out;                        // projection + its GroupNorm
                }
                in = out;
            }
        }
        int h = t.hidden();
        n += (long) in * h + h;                                             // patch embedding (1x1, bias)
        n += (long) t.positionGrid() * t.positionGrid() * h;               // position embeddings
        long block = 4L * h + 4L * ((long) h * h + h) + (long) h * t.mlp() + t.mlp() + (long) t.mlp() * h + h;
        n += t.layers() * block + 2L * h;                                   // transformer + final LayerNorm
        n += 9L * h * 512 + 4L * 512;                                       // conv_more + BN (incl. running stats)
        int[] skip = {8 * w, 4 * w, w, 0};
        int prev = 512;
        for (int i = 0; i < 4; i++) {
            int c = new int[]{256, 128, 64, 16}[i] * width;
            n += 9L * (prev + skip[i]) * c + 9L * c * c + 2 * 4L * c;       // two conv3x3 + two BN (incl. stats)
            prev = c;
        }
        n += 9L * prev * classes + classes;                                 // segmentation head conv3x3 + bias
        return n;
    }

    @Test
    void paperSizedTransUNetHasTheReferenceParameterCount() {
        ModelSpec spec = ModelSpec.transunet(1, TransUnetSpec.PAPER);
        ComputationGraph net = ModelFactory.create(spec, Head.segment(9), new CosineDecay(1e-4, 1), 0);
        long expected = expectedParameters(TransUnetSpec.PAPER, 1, 9);
        assertEquals(expected, net.numParams());
        long bnStatistics = 2L * (512 + 2 * (256 + 128 + 64 + 16));
        long trainable = net.numParams() - bnStatistics;
        // TransUNet (R50-ViT-B/16, 9 classes) is published as 105.28M parameters.
        assertEquals(105.28e6, trainable, 0.005e6, "trainable parameters " + trainable);
        ModelSummary s = ModelSummary.of(net);
        assertEquals(net.numParams(), s.parameters().get("enc") + s.parameters().get("dec") + s.parameters().get("head"));
    }

    /**
     * With resnet-norm = batch and units 3, 4, 6 the model is shared/bench/peer_torch.py's TransUNet
     * layer for layer: 101,926,979 parameters plus 33,472 BatchNorm running statistics there (PyTorch
     * 1.13, 19 classes, 224), which DL4J counts as parameters.
     */
    @Test
    void batchNormVariantMatchesThePeerTransUNetExactly() {
        TransUnetSpec peer = new TransUnetSpec(List.of(3, 4, 6), 64, 768, 12, 12, 3072, 14, TransUnetSpec.BATCH);
        ComputationGraph net = ModelFactory.create(ModelSpec.transunet(1, peer), Head.segment(19), new CosineDecay(1e-4, 1), 0);
        assertEquals(101_926_979L + 33_472L, net.numParams());
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void decoderWidthScalesOnlyTheDecoder(int width) {
        ComputationGraph one = ModelFactory.create(ModelSpec.transunet(1, TINY), Head.denoise(), new CosineDecay(1e-4, 1), 0);
        ComputationGraph wide = ModelFactory.create(ModelSpec.transunet(width, TINY), Head.denoise(), new CosineDecay(1e-4, 1), 0);
        assertEquals(expectedParameters(TINY, width, 3), wide.numParams());
        assertEquals(ModelSummary.of(one).parameters().get("enc"), ModelSummary.of(wide).parameters().get("enc"));
        assertTrue(ModelSummary.of(wide).parameters().get("dec") > ModelSummary.of(one).parameters().get("dec"));
    }

    @Test
    void anySideDivisibleBy16WorksAndTheModelTrainsSavesAndLoads() throws Exception {
        Nd4j.getRandom().setSeed(3);
        ComputationGraph net = ModelFactory.create(ModelSpec.transunet(1, TINY), Head.denoise(), new CosineDecay(3e-3, 40), 5);
        for (int side : new int[]{32, 48, 16}) {   // token grids 2x2 (stored), 3x3 and 1x1 (resized)
            INDArray out = net.outputSingle(false, Nd4j.rand(DataType.FLOAT, 2, 3, side, side));
            assertArrayEquals(new long[]{2, 3, side, side}, out.shape());
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32);
        INDArray y = Nd4j.rand(DataType.FLOAT, 4, 3, 32, 32).subi(0.5);
        MultiDataSet batch = new MultiDataSet(new INDArray[]{x}, new INDArray[]{y});
        // The training-mode loss (batch statistics): inference uses BatchNorm's running statistics,
        // which a few steps leave far from the batch's, and with ReLUs between them that loss first rises.
        double first = net.score(batch, true);
        Map<String, INDArray> before = Weights.snapshot(net, "enc_");
        for (int i = 0; i < 8; i++) {
            net.fit(batch);
        }
        double last = net.score(batch, true);
        assertTrue(last < 0.9 * first, "loss " + first + " -> " + last);
        for (Map.Entry<String, INDArray> e : before.entrySet()) {
            assertNotEquals(e.getValue(), net.getParam(e.getKey()), e.getKey() + " did not train");
        }

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, bytes, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        INDArray probe = Nd4j.rand(DataType.FLOAT, 2, 3, 48, 48);
        assertEquals(net.outputSingle(false, probe), back.outputSingle(false, probe));
        assertEquals(net.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
    }

    /**
     * A configuration written before the encoder convention was recorded (no {@code convention}
     * field) loads as TransUNet's PyTorch port, which is what such a model computed; one written now
     * keeps the checkpoint's convention.
     */
    @Test
    void modelFilesWithoutAConventionKeepThePortsFunction() {
        Nd4j.getRandom().setSeed(6);
        ComputationGraph net = ModelFactory.create(ModelSpec.transunet(1, TINY), Head.denoise(), new CosineDecay(1e-4, 1), 0);
        String json = net.getConfiguration().toJson();
        assertTrue(json.matches("(?s).*\"convention\"\\s*:\\s*\"JAX\".*"), "new models record jax");
        String old = json.replaceAll(",?\\s*\"convention\"\\s*:\\s*\"JAX\"", "");
        assertTrue(!old.contains("\"convention\""), "the field was stripped");
        ComputationGraph legacy = new ComputationGraph(
                org.deeplearning4j.nn.conf.ComputationGraphConfiguration.fromJson(old));
        legacy.init(net.params().dup(), false);
        ComputationGraph port = ModelFactory.create(ModelSpec.transunet(1, TINY.withConvention(TransUnetSpec.TRANSUNET_PYTORCH)),
                Head.denoise(), new CosineDecay(1e-4, 1), 0);
        port.setParams(net.params());
        INDArray in = Nd4j.rand(DataType.FLOAT, 1, 3, 32, 32);
        INDArray legacyOut = legacy.outputSingle(in);
        assertEquals(port.outputSingle(in), legacyOut);
        assertNotEquals(net.outputSingle(in), legacyOut);
    }

    @Test
    void frozenEncoderStaysBitIdenticalWhileTheDecoderLearns() {
        Nd4j.getRandom().setSeed(4);
        ModelSpec spec = ModelSpec.transunet(1, TINY);
        ComputationGraph net = Weights.freezeUpTo(
                ModelFactory.create(spec, Head.denoise(), new CosineDecay(3e-3, 10), 6), ModelFactory.encoderBoundary(spec));
        assertTrue(Weights.isFrozen(net, "enc_"));
        Map<String, INDArray> enc = Weights.snapshot(net, "enc_");
        Map<String, INDArray> dec = Weights.snapshot(net, "dec_");
        MultiDataSet batch = new MultiDataSet(new INDArray[]{Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32)},
                new INDArray[]{Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32)});
        for (int i = 0; i < 3; i++) {
            net.fit(batch);
        }
        enc.forEach((k, v) -> assertEquals(v, net.getParam(k), k + " moved while frozen"));
        dec.forEach((k, v) -> {
            if (!k.contains("_bn") || k.endsWith("_gamma") || k.endsWith("_beta")) {
                assertNotEquals(v, net.getParam(k), k + " did not learn");
            }
        });
    }

    /** pretrain-encoder's model: the encoder alone with a global-pool softmax head learns image classes. */
    @Test
    void encoderWithAClassificationHeadLearns() {
        Nd4j.getRandom().setSeed(8);
        ComputationGraph net = ModelFactory.create(ModelSpec.transunet(1, TINY), Head.classify(3), new CosineDecay(3e-3, 20), 2);
        assertTrue(net.paramTable().keySet().stream().noneMatch(k -> k.startsWith("dec_")));
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 3, 32, 32);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 3);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 3, 1);
            x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).addi(i % 3);   // class-dependent brightness
        }
        MultiDataSet batch = new MultiDataSet(new INDArray[]{x}, new INDArray[]{y});
        double first = net.score(batch);
        for (int i = 0; i < 6; i++) {
            net.fit(batch);
        }
        assertTrue(net.score(batch) < first, "classification loss " + first + " -> " + net.score(batch));
    }

    /** The real size: one forward and backward pass of the paper's TransUNet on a 224x224 image. */
    @Test
    void paperSizedForwardAndBackwardAt224() {
        Nd4j.getRandom().setSeed(5);
        ModelSpec spec = ModelSpec.transunet(1, TransUnetSpec.PAPER);
        ComputationGraph net = ModelFactory.create(spec, Head.denoise(), new CosineDecay(1e-4, 1), 0);
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 224, 224);
        net.setInputs(x);
        net.setLabels(Nd4j.rand(DataType.FLOAT, 1, 3, 224, 224));
        net.computeGradientAndScore();
        assertTrue(Double.isFinite(net.score()));
        INDArray grads = net.getFlattenedGradients();
        assertTrue(grads.isInfinite().any() == false && grads.isNaN().any() == false);
        for (String key : List.of("enc_root_conv", "enc_block3_unit9_conv3", "enc_pos_pos", "enc_layer0_qKernel",
                "enc_layer11_mlp2Kernel", "enc_norm_scale", "dec_more_conv_W", "dec_3_conv2_W", "head_conv_W")) {
            assertTrue(net.getGradientsViewArray() != null && gradient(net, key).amaxNumber().doubleValue() > 0,
                    key + " got no gradient");
        }
        assertArrayEquals(new long[]{1, 3, 224, 224}, net.outputSingle(false, x).shape());
    }

    private static INDArray gradient(ComputationGraph net, String key) {
        return net.gradient().gradientForVariable().get(key);
    }
}
