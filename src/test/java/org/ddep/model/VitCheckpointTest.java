package org.ddep.model;

import org.apache.hadoop.conf.Configuration;
import org.ddep.config.ModelSpec;
import org.ddep.config.TransUnetSpec;
import org.ddep.data.HadoopFiles;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Import of the ImageNet-21k R50+ViT-B/16 checkpoint from a generated {@code .npz} with the
 * checkpoint's real key names and JAX/Flax array shapes (written here from the checkpoint's
 * published layout, not from the importer's key table).
 */
class VitCheckpointTest {

    /** A checkpoint like the public one for {@code t}: HWIO convs, [C] norms, [768, 12, 64] attention kernels. */
    static Map<String, INDArray> checkpoint(TransUnetSpec t, int grid, int heads, int classes) {
        Nd4j.getRandom().setSeed(17);
        Map<String, INDArray> m = new LinkedHashMap<>();
        int w = t.resnetWidth();
        m.put("conv_root/kernel", rand(7, 7, 3, w));
        m.put("gn_root/scale", rand(w));
        m.put("gn_root/bias", rand(w));
        int in = w;
        for (int s = 1; s <= 3; s++) {
            int mid = w << (s - 1);
            int out = 4 * mid;
            for (int u = 1; u <= t.resnetUnits().get(s - 1); u++) {
                String k = "block" + s + "/unit" + u + "/";
                m.put(k + "conv1/kernel", rand(1, 1, in, mid));
                m.put(k + "conv2/kernel", rand(3, 3, mid, mid));
                m.put(k + "conv3/kernel", rand(1, 1, mid, out));
                for (String g : new String[]{"gn1", "gn2"}) {
                    m.put(k + g + "/scale", rand(mid));
                    m.put(k + g + "/bias", rand(mid));
                }
                m.put(k + "gn3/scale", rand(out));
                m.put(k + "gn3/bias", rand(out));
                if (u == 1) {
                    m.put(k + "conv_proj/kernel", rand(1, 1, in, out));
                    m.put(k + "gn_proj/scale", rand(out));
                    m.put(k + "gn_proj/bias", rand(out));
                }
                in = out;
            }
        }
        int h = t.hidden();
        int d = h / heads;
        m.put("embedding/kernel", rand(1, 1, in, h));
        m.put("embedding/bias", rand(h));
        m.put("cls", rand(1, 1, h));
        m.put("Transformer/posembed_input/pos_embedding", rand(1, 1 + grid * grid, h));
        for (int l = 0; l < t.layers(); l++) {
            String k = "Transformer/encoderblock_" + l + "/";
            for (String ln : new String[]{"LayerNorm_0", "LayerNorm_2"}) {
                m.put(k + ln + "/scale", rand(h));
                m.put(k + ln + "/bias", rand(h));
            }
            for (String a : new String[]{"query", "key", "value"}) {
                m.put(k + "MultiHeadDotProductAttention_1/" + a + "/kernel", rand(h, heads, d));
                m.put(k + "MultiHeadDotProductAttention_1/" + a + "/bias", rand(heads, d));
            }
            m.put(k + "MultiHeadDotProductAttention_1/out/kernel", rand(heads, d, h));
            m.put(k + "MultiHeadDotProductAttention_1/out/bias", rand(h));
            m.put(k + "MlpBlock_3/Dense_0/kernel", rand(h, t.mlp()));
            m.put(k + "MlpBlock_3/Dense_0/bias", rand(t.mlp()));
            m.put(k + "MlpBlock_3/Dense_1/kernel", rand(t.mlp(), h));
            m.put(k + "MlpBlock_3/Dense_1/bias", rand(h));
        }
        m.put("Transformer/encoder_norm/scale", rand(h));
        m.put("Transformer/encoder_norm/bias", rand(h));
        m.put("head/kernel", rand(h, classes));
        m.put("head/bias", rand(classes));
        return m;
    }

    private static INDArray rand(long... shape) {
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
    }

    /** Writes {@code arrays} as an uncompressed .npz (a zip of .npy files, as numpy.savez does). */
    static void writeNpz(Map<String, INDArray> arrays, Path file) throws Exception {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
                byte[] npy = Nd4j.toNpyByteArray(e.getValue());
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(npy.length);
                CRC32 crc = new CRC32();
                crc.update(npy);
                entry.setCrc(crc.getValue());
                zip.putNextEntry(entry);
                zip.write(npy);
                zip.closeEntry();
            }
        }
    }

    @Test
    void paperCheckpointSetsEveryEncoderParameterWithItsLayoutConverted(@TempDir Path dir) throws Exception {
        TransUnetSpec t = TransUnetSpec.PAPER;
        Map<String, INDArray> written = checkpoint(t, 14, 12, 21843);
        Path npz = dir.resolve("R50+ViT-B_16.npz");
        writeNpz(written, npz);
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

    static final TransUnetSpec TINY = TransUNetTest.TINY;

    private static ComputationGraph tiny() {
        return ModelFactory.create(ModelSpec.transunet(1, TINY), Head.denoise(), new CosineDecay(1e-4, 1), 0);
    }

    @Test
    void missingKeyFailsWithItsName() {
        Map<String, INDArray> ckpt = checkpoint(TINY, 2, 2, 5);
        ckpt.remove("Transformer/encoderblock_1/MlpBlock_3/Dense_0/bias");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VitCheckpoint.load(tiny(), TINY, ckpt, "ckpt.npz"));
        assertTrue(e.getMessage().contains("Transformer/encoderblock_1/MlpBlock_3/Dense_0/bias"), e.getMessage());
        assertTrue(e.getMessage().contains("ckpt.npz"), e.getMessage());
    }

    @Test
    void misShapedKeyFailsWithItsName() {
        Map<String, INDArray> ckpt = checkpoint(TINY, 2, 2, 5);
        ckpt.put("block2/unit1/conv2/kernel", rand(3, 3, 64, 32));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VitCheckpoint.load(tiny(), TINY, ckpt, "ckpt.npz"));
        assertTrue(e.getMessage().contains("block2/unit1/conv2/kernel") && e.getMessage().contains("[3, 3, 64, 32]"),
                e.getMessage());
    }

    @Test
    void anotherPositionGridIsResizedBilinearly() {
        Map<String, INDArray> ckpt = checkpoint(TINY, 4, 2, 5);      // 4x4 grid + class token, model stores 2x2
        ComputationGraph net = tiny();
        VitCheckpoint.load(net, TINY, ckpt, "ckpt.npz");
        INDArray grid = ckpt.get("Transformer/posembed_input/pos_embedding")
                .get(NDArrayIndex.point(0), NDArrayIndex.interval(1, 17), NDArrayIndex.all());   // [16, C]
        // Halving with half-pixel centres averages each 2x2 block.
        float expected = (grid.getFloat(0, 7) + grid.getFloat(1, 7) + grid.getFloat(4, 7) + grid.getFloat(5, 7)) / 4;
        assertEquals(expected, net.getParam("enc_pos_pos").getFloat(0, 7, 0, 0), 1e-5);
    }
}
