package org.ddep.model;

import org.apache.hadoop.conf.Configuration;
import org.ddep.config.ModelSpec;
import org.ddep.config.TransUnetSpec;
import org.ddep.data.HadoopFiles;
import org.ddep.testing.ViTCheckpoints;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Import of the ImageNet-21k R50+ViT-B/16 checkpoint from a generated {@code .npz} with the
 * checkpoint's real key names and JAX/Flax array shapes (written here from the checkpoint's
 * published layout, not from the importer's key table).
 */
class VitCheckpointTest {

    @Test
    void paperCheckpointSetsEveryEncoderParameterWithItsLayoutConverted(@TempDir Path dir) throws Exception {
        TransUnetSpec t = TransUnetSpec.PAPER;
        Map<String, INDArray> written = ViTCheckpoints.checkpoint(t, 14, 12, 21843);
        Path npz = dir.resolve("R50+ViT-B_16.npz");
        ViTCheckpoints.writeNpz(written, npz);
        Map<String, INDArray> ckpt = VitCheckpoint.read(new HadoopFiles(new Configuration()), npz.toUri().toString());
        assertEquals(written.keySet(), ckpt.keySet());

        ComputationGraph net = ModelFactory.create(ModelSpec.transunet(1, t), Head.denoise(), new CosineDecay(1e-4, 1), 0);
        VitCheckpoint.Report report = VitCheckpoint.load(net, t, ckpt, npz.toString());
        assertEquals(Map.of("cls", true, "head/bias", true, "head/kernel", true),
                Map.of("cls", report.unused().containsKey("cls"), "head/bias", report.unused().containsKey("head/bias"),
                        "head/kernel", report.unused().containsKey("head/kernel")));
        assertEquals(3, report.unused().size(), "unused: " + report.unused());
        report.unused().values().forEach(reason -> assertTrue(!reason.isBlank()));
        long encoderArrays = net.paramTable().keySet().stream().filter(k -> k.startsWith("enc_")).count();
        assertEquals(encoderArrays, report.parametersSet());

        // Layouts, value by value.
        assertEquals(written.get("conv_root/kernel"), net.getParam("enc_root_conv"));
        assertEquals(written.get("block3/unit9/conv2/kernel"), net.getParam("enc_block3_unit9_conv2"));
        assertEquals(written.get("block2/unit1/gn_proj/scale").reshape(1, 1024 / 2), net.getParam("enc_block2_unit1_gnProjScale"));
        INDArray embed = written.get("embedding/kernel");       // [1, 1, 1024, 768] HWIO
        assertEquals(embed.getFloat(0, 0, 1000, 700), net.getParam("enc_embed_W").getFloat(700, 1000, 0, 0));
        INDArray q = written.get("Transformer/encoderblock_5/MultiHeadDotProductAttention_1/query/kernel");  // [768, 12, 64]
        assertEquals(q.getFloat(10, 3, 7), net.getParam("enc_layer5_qKernel").getFloat(10, 3 * 64 + 7));
        INDArray out = written.get("Transformer/encoderblock_11/MultiHeadDotProductAttention_1/out/kernel");  // [12, 64, 768]
        assertEquals(out.getFloat(4, 9, 100), net.getParam("enc_layer11_outKernel").getFloat(4 * 64 + 9, 100));
        INDArray qb = written.get("Transformer/encoderblock_0/MultiHeadDotProductAttention_1/value/bias");  // [12, 64]
        assertEquals(qb.getFloat(11, 63), net.getParam("enc_layer0_vBias").getFloat(0, 767));
        assertEquals(written.get("Transformer/encoderblock_2/MlpBlock_3/Dense_1/kernel"), net.getParam("enc_layer2_mlp2Kernel"));
        INDArray pos = written.get("Transformer/posembed_input/pos_embedding");   // [1, 197, 768], row 0 = class token
        assertEquals(pos.getFloat(0, 1 + 3 * 14 + 5, 42), net.getParam("enc_pos_pos").getFloat(0, 42, 3, 5));
        assertEquals(written.get("Transformer/encoder_norm/bias").reshape(1, 768), net.getParam("enc_norm_bias"));
    }

    static final TransUnetSpec TINY = ViTCheckpoints.TINY;

    private static ComputationGraph tiny() {
        return ModelFactory.create(ModelSpec.transunet(1, TINY), Head.denoise(), new CosineDecay(1e-4, 1), 0);
    }

    @Test
    void missingKeyFailsWithItsName() {
        Map<String, INDArray> ckpt = ViTCheckpoints.checkpoint(TINY, 2, 2, 5);
        ckpt.remove("Transformer/encoderblock_1/MlpBlock_3/Dense_0/bias");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VitCheckpoint.load(tiny(), TINY, ckpt, "ckpt.npz"));
        assertTrue(e.getMessage().contains("Transformer/encoderblock_1/MlpBlock_3/Dense_0/bias"), e.getMessage());
        assertTrue(e.getMessage().contains("ckpt.npz"), e.getMessage());
    }

    @Test
    void misShapedKeyFailsWithItsName() {
        Map<String, INDArray> ckpt = ViTCheckpoints.checkpoint(TINY, 2, 2, 5);
        ckpt.put("block2/unit1/conv2/kernel", ViTCheckpoints.rand(3, 3, 64, 32));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VitCheckpoint.load(tiny(), TINY, ckpt, "ckpt.npz"));
        assertTrue(e.getMessage().contains("block2/unit1/conv2/kernel") && e.getMessage().contains("[3, 3, 64, 32]"),
                e.getMessage());
    }

    @Test
    void anotherPositionGridIsResizedBilinearly() {
        Map<String, INDArray> ckpt = ViTCheckpoints.checkpoint(TINY, 4, 2, 5);      // 4x4 grid + class token, model stores 2x2
        ComputationGraph net = tiny();
        VitCheckpoint.load(net, TINY, ckpt, "ckpt.npz");
        INDArray grid = ckpt.get("Transformer/posembed_input/pos_embedding")
                .get(NDArrayIndex.point(0), NDArrayIndex.interval(1, 17), NDArrayIndex.all());   // [16, C]
        // Halving with half-pixel centres averages each 2x2 block.
        float expected = (grid.getFloat(0, 7) + grid.getFloat(1, 7) + grid.getFloat(4, 7) + grid.getFloat(5, 7)) / 4;
        assertEquals(expected, net.getParam("enc_pos_pos").getFloat(0, 7, 0, 0), 1e-5);
    }
}
