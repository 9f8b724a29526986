package org.ddep.testing;

import org.ddep.config.TransUnetSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Generated stand-ins for the public ImageNet-21k R50+ViT-B/16 checkpoint: the checkpoint's real
 * key names and JAX/Flax array shapes (written from its published layout, independently of the
 * importer's key table), random values.
 */
public final class ViTCheckpoints {
    /** A TransUNet small enough for 2 cores: every part present, one unit per stage, 2 transformer layers. */
    public static final TransUnetSpec TINY = new TransUnetSpec(List.of(1, 1, 1), 32, 32, 2, 2, 64, 2);

    private ViTCheckpoints() {
    }

    /** A checkpoint like the public one for {@code t}: HWIO convs, [C] norms, [768, 12, 64] attention kernels. */
    public static Map<String, INDArray> checkpoint(TransUnetSpec t, int grid, int heads, int classes) {
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

    public static INDArray rand(long... shape) {
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
    }

    /** Writes {@code arrays} as an uncompressed .npz (a zip of .npy files, as numpy.savez does). */
    public static void writeNpz(Map<String, INDArray> arrays, Path file) throws Exception {
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

}
