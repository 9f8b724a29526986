package org.ddep.model;

import org.ddep.config.TransUnetSpec;
import org.ddep.model.layers.EncoderConvention;
import org.ddep.model.layers.PositionEmbedding;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Loads the public ImageNet-21k R50+ViT-B/16 checkpoint (the {@code .npz} TransUNet starts from,
 * JAX/Flax key names and layouts) into the TransUNet encoder. Every layout conversion lives here:
 * <ul>
 *   <li>{@code conv_root}, {@code blockB/unitU/conv*}: HWIO kernels, which is the custom layers'
 *   own [kh, kw, in, out] layout, so they are copied as they are;</li>
 *   <li>GroupNorm and LayerNorm {@code scale}/{@code bias}: any shape with C elements -> [1, C];</li>
 *   <li>{@code embedding/kernel} HWIO [1, 1, 1024, 768] -> DL4J convolution OIYX [768, 1024, 1, 1];</li>
 *   <li>attention {@code query|key|value/kernel} [768, 12, 64] -> [768, 768] (in, heads*head_dim),
 *   their biases [12, 64] -> [1, 768]; {@code out/kernel} [12, 64, 768] -> [768, 768];</li>
 *   <li>MLP {@code Dense_0|1/kernel} [in, out] as they are;</li>
 *   <li>{@code Transformer/posembed_input/pos_embedding} [1, 1+g*g, 768]: the class token's row is
 *   dropped (TransUNet has no class token), the g x g grid becomes [1, 768, g, g] and is resized
 *   bilinearly when the model's position grid differs.</li>
 * </ul>
 * A missing or mis-shaped key fails with its name; keys that are not used are returned (and
 * logged) with the reason.
 */
public final class VitCheckpoint {
    private static final Logger LOG = LoggerFactory.getLogger("ddep");

    /** What an import did: parameters set, and checkpoint keys left unused with the reason. */
    public record Report(int parametersSet, Map<String, String> unused) {
    }

    private VitCheckpoint() {
    }

    /** The checkpoint key -> encoder parameter pairs for {@code t}, in model order. */
    static Map<String, String> keyMap(TransUnetSpec t) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("conv_root/kernel", Parts.ENCODER + "root_conv");
        m.put("gn_root/scale", Parts.ENCODER + "root_gnScale");
        m.put("gn_root/bias", Parts.ENCODER + "root_gnBias");
        for (int s = 1; s <= 3; s++) {
            for (int u = 1; u <= t.resnetUnits().get(s - 1); u++) {
                String k = "block" + s + "/unit" + u + "/";
                String p = TransUNet.unitName(s, u) + "_";
                for (int i = 1; i <= 3; i++) {
                    m.put(k + "conv" + i + "/kernel", p + "conv" + i);
                    m.put(k + "gn" + i + "/scale", p + "gn" + i + "Scale");
                    m.put(k + "gn" + i + "/bias", p + "gn" + i + "Bias");
                }
                if (u == 1) {
                    m.put(k + "conv_proj/kernel", p + "convProj");
                    m.put(k + "gn_proj/scale", p + "gnProjScale");
                    m.put(k + "gn_proj/bias", p + "gnProjBias");
                }
            }
        }
        m.put("embedding/kernel", Parts.ENCODER + "embed_W");
        m.put("embedding/bias", Parts.ENCODER + "embed_b");
        m.put("Transformer/posembed_input/pos_embedding", Parts.ENCODER + "pos_pos");
        for (int l = 0; l < t.layers(); l++) {
            String k = "Transformer/encoderblock_" + l + "/";
            String p = TransUNet.layerName(l) + "_";
            m.put(k + "LayerNorm_0/scale", p + "ln1Scale");
            m.put(k + "LayerNorm_0/bias", p + "ln1Bias");
            String[][] attn = {{"query", "q"}, {"key", "k"}, {"value", "v"}, {"out", "out"}};
            for (String[] a : attn) {
                m.put(k + "MultiHeadDotProductAttention_1/" + a[0] + "/kernel", p + a[1] + "Kernel");
                m.put(k + "MultiHeadDotProductAttention_1/" + a[0] + "/bias", p + a[1] + "Bias");
            }
            m.put(k + "LayerNorm_2/scale", p + "ln2Scale");
            m.put(k + "LayerNorm_2/bias", p + "ln2Bias");
            m.put(k + "MlpBlock_3/Dense_0/kernel", p + "mlp1Kernel");
            m.put(k + "MlpBlock_3/Dense_0/bias", p + "mlp1Bias");
            m.put(k + "MlpBlock_3/Dense_1/kernel", p + "mlp2Kernel");
            m.put(k + "MlpBlock_3/Dense_1/bias", p + "mlp2Bias");
        }
        m.put("Transformer/encoder_norm/scale", TransUNet.BOUNDARY + "_scale");
        m.put("Transformer/encoder_norm/bias", TransUNet.BOUNDARY + "_bias");
        return m;
    }

    /**
     * Sets every encoder parameter of {@code net} (a TransUNet built from {@code t}) from
     * {@code checkpoint}; {@code source} names the file in errors.
     */
    public static Report load(ComputationGraph net, TransUnetSpec t, Map<String, INDArray> checkpoint, String source) {
        Map<String, INDArray> params = net.paramTable();
        Set<String> encoderParams = new TreeMap<>(params).keySet().stream()
                .filter(k -> k.startsWith(Parts.ENCODER)).collect(java.util.stream.Collectors.toCollection(LinkedHashSet::new));
        Map<String, String> map = keyMap(t);
        int set = 0;
        for (Map.Entry<String, String> e : map.entrySet()) {
            String key = e.getKey();
            String param = e.getValue();
            INDArray target = params.get(param);
            if (target == null) {
                throw new IllegalStateException("model has no parameter " + param + " for checkpoint key " + key);
            }
            INDArray raw = checkpoint.get(key);
            if (raw == null) {
                throw new IllegalArgumentException(source + ": checkpoint has no key " + key + " (needed for " + param
                        + "); is this the R50+ViT-B/16 checkpoint with " + t.resnetUnits() + " units and "
                        + t.layers() + " transformer layers?");
            }
            INDArray value = convert(key, raw.castTo(DataType.FLOAT), target.shape(), t, source);
            if (!Arrays.equals(value.shape(), target.shape())) {
                throw new IllegalArgumentException(source + ": checkpoint key " + key + " has shape "
                        + Arrays.toString(raw.shape()) + ", which does not fit " + param + " "
                        + Arrays.toString(target.shape()));
            }
            net.setParam(param, value.castTo(target.dataType()));
            encoderParams.remove(param);
            set++;
        }
        if (!encoderParams.isEmpty()) {
            throw new IllegalStateException("encoder parameters without a checkpoint key: " + encoderParams);
        }
        Map<String, String> unused = new TreeMap<>();
        for (String key : checkpoint.keySet()) {
            if (!map.containsKey(key)) {
                unused.put(key, reasonUnused(key));
            }
        }
        unused.forEach((k, why) -> LOG.info("import-encoder: {} not used: {}", k, why));
        LOG.info("import-encoder: {} encoder parameter arrays set from {}, {} keys unused; the encoder computes {}",
                set, source, unused.size(), EncoderConvention.fromConfig(t.convention()).description());
        return new Report(set, unused);
    }

    private static String reasonUnused(String key) {
        if (key.equals("cls")) {
            return "class token; TransUNet has none (the position embedding's class-token row is dropped too)";
        }
        if (key.startsWith("head/") || key.startsWith("pre_logits/")) {
            return "ImageNet-21k classifier, not part of the encoder";
        }
        return "not part of the TransUNet encoder";
    }

    private static INDArray convert(String key, INDArray a, long[] target, TransUnetSpec t, String source) {
        if (key.endsWith("/scale") || key.endsWith("/bias")) {
            return vector(key, a, target, source);   // norms, dense and attention biases, all [1, C] here
        }
        if (key.equals("embedding/kernel")) {
            requireRank(key, a, 4, source);
            return a.permute(3, 2, 0, 1).dup('c');   // HWIO -> OIYX
        }
        if (key.startsWith("Transformer/posembed_input")) {
            return positions(key, a, t, source);
        }
        if (key.contains("MultiHeadDotProductAttention_1/")) {
            requireRank(key, a, 3, source);
            boolean out = key.contains("/out/");       // [heads, d, hidden] vs [hidden, heads, d]
            return a.dup('c').reshape('c', out ? a.size(0) * a.size(1) : a.size(0), out ? a.size(2) : a.size(1) * a.size(2));
        }
        return a;   // HWIO conv kernels and [in, out] dense kernels are already the layers' layout
    }

    private static INDArray vector(String key, INDArray a, long[] target, String source) {
        long n = target[target.length - 1];
        if (a.length() != n) {
            throw new IllegalArgumentException(source + ": checkpoint key " + key + " has " + a.length()
                    + " values " + Arrays.toString(a.shape()) + ", expected " + n);
        }
        return a.dup('c').reshape('c', target);
    }

    private static INDArray positions(String key, INDArray a, TransUnetSpec t, String source) {
        requireRank(key, a, 3, source);
        long tokens = a.size(1);
        long hidden = a.size(2);
        int grid = (int) Math.round(Math.sqrt(tokens - 1));
        INDArray rows;
        if ((long) grid * grid == tokens - 1) {
            rows = a.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(1, tokens), org.nd4j.linalg.indexing.NDArrayIndex.all());
        } else {
            grid = (int) Math.round(Math.sqrt(tokens));
            if ((long) grid * grid != tokens) {
                throw new IllegalArgumentException(source + ": " + key + " has " + tokens
                        + " positions: neither a square grid nor one class token plus a square grid");
            }
            rows = a.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
        }
        INDArray grid4 = rows.dup('c').reshape('c', grid, grid, hidden).permute(2, 0, 1).dup('c')
                .reshape('c', 1, hidden, grid, grid);
        if (grid != t.positionGrid()) {
            LOG.info("import-encoder: position grid {}x{} resized to {}x{}", grid, grid, t.positionGrid(), t.positionGrid());
        }
        return PositionEmbedding.resize(grid4, t.positionGrid(), t.positionGrid());
    }

    private static void requireRank(String key, INDArray a, int rank, String source) {
        if (a.rank() != rank) {
            throw new IllegalArgumentException(source + ": checkpoint key " + key + " has shape "
                    + Arrays.toString(a.shape()) + ", expected rank " + rank);
        }
    }

    /**
     * Reads an {@code .npz} from any Hadoop URI (copied to a local temporary file: ND4J's reader
     * needs one).
     */
    public static Map<String, INDArray> read(org.ddep.data.HadoopFiles files, String uri) throws java.io.IOException {
        if (!files.exists(uri)) {
            throw new java.io.FileNotFoundException("checkpoint " + uri + " does not exist");
        }
        java.nio.file.Path local = java.nio.file.Files.createTempFile("ddep-checkpoint", ".npz");
        try {
            try (java.io.InputStream in = files.open(uri)) {
                java.nio.file.Files.copy(in, local, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            try {
                return org.nd4j.linalg.factory.Nd4j.createFromNpzFile(local.toFile());
            } catch (Exception e) {
                throw new java.io.IOException("checkpoint " + uri + " is not a readable .npz: " + e.getMessage(), e);
            }
        } finally {
            java.nio.file.Files.deleteIfExists(local);
        }
    }

    /** The checkpoint key names this architecture reads, in model order (documentation and tests). */
    public static List<String> keys(TransUnetSpec t) {
        return new ArrayList<>(keyMap(t).keySet());
    }
}
