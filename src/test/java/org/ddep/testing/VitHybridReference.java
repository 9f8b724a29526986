package org.ddep.testing;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An independent, plain-Java (double precision, NHWC, one image at a time) implementation of the
 * R50+ViT-B/16 hybrid encoder as the public ImageNet-21k checkpoint defines it
 * (google-research/vision_transformer: {@code models_resnet.py} and the root block of
 * {@code models_vit.py}), read straight from the checkpoint's own keys and JAX layouts. It shares
 * no code with the model or the importer, so a test can hold the imported DL4J encoder to it.
 * <ul>
 *   <li>StdConv: kernel standardised per output filter over (h, w, in) as
 *   {@code (w - mean) / (std + 1e-5)}, biased std; every convolution 'SAME' padded as TF/JAX do it
 *   (output ceil(in / stride), the odd padding pixel after).</li>
 *   <li>GroupNorm (flax defaults): 32 groups, eps 1e-6, everywhere, the projection's included.</li>
 *   <li>Root: conv 7x7/2, GroupNorm, ReLU, max pool 3x3/2 'SAME' (padding never wins).</li>
 *   <li>Residual unit: projection (1x1, unit stride, GN) when channels or stride change;
 *   1x1-GN-ReLU, 3x3 (stride)-GN-ReLU, 1x1-GN, add, ReLU.</li>
 *   <li>Embedding 1x1 with bias; position embeddings without the class token's row (TransUNet has
 *   no class token); pre-norm blocks with LayerNorm eps 1e-6, multi-head attention with
 *   1/sqrt(d) scaling, MLP with tanh-approximated GELU (flax's {@code nn.gelu} default); final
 *   LayerNorm.</li>
 * </ul>
 */
public final class VitHybridReference {
    private static final int GROUPS = 32;
    private static final double GN_EPS = 1e-6;
    private static final double LN_EPS = 1e-6;
    private static final double WS_EPS = 1e-5;

    private final Map<String, Tensor> ckpt = new LinkedHashMap<>();
    private final List<Integer> units;
    private final int layers;
    private final int heads;

    /** A dense array with its shape, row-major. */
    public record Tensor(int[] shape, double[] v) {
        static Tensor of(INDArray a) {
            long[] s = a.shape();
            int[] shape = new int[s.length];
            for (int i = 0; i < s.length; i++) {
                shape[i] = (int) s[i];
            }
            return new Tensor(shape, a.castTo(DataType.DOUBLE).dup('c').data().asDouble());
        }

        /** An NHWC feature map of one image. */
        static Tensor map(int h, int w, int c) {
            return new Tensor(new int[]{h, w, c}, new double[h * w * c]);
        }

        int h() {
            return shape[0];
        }

        int w() {
            return shape[1];
        }

        int c() {
            return shape[shape.length - 1];
        }

        double at(int y, int x, int ch) {
            return v[(y * shape[1] + x) * shape[2] + ch];
        }
    }

    public VitHybridReference(Map<String, INDArray> checkpoint, List<Integer> units, int layers, int heads) {
        checkpoint.forEach((k, a) -> ckpt.put(k, Tensor.of(a)));
        this.units = List.copyOf(units);
        this.layers = layers;
        this.heads = heads;
    }

    /**
     * The encoder on one image [3, H, W] (CHW, as the model takes it); returns every stage's output
     * by the DL4J vertex name it corresponds to ({@code enc_root}, {@code enc_pool},
     * {@code enc_blockS_unitU}, {@code enc_norm}), each NHWC.
     */
    public Map<String, Tensor> forward(INDArray chw) {
        int h = (int) chw.size(1);
        int w = (int) chw.size(2);
        Tensor x = Tensor.map(h, w, 3);
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                for (int c = 0; c < 3; c++) {
                    x.v[(y * w + xx) * 3 + c] = chw.getDouble(c, y, xx);
                }
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        x = relu(groupNorm(stdConv(x, "conv_root/kernel", 2), "gn_root"));
        out.put("enc_root", x);
        x = maxPoolSame(x);
        out.put("enc_pool", x);
        for (int s = 1; s <= 3; s++) {
            for (int u = 1; u <= units.get(s - 1); u++) {
                x = residualUnit(x, "block" + s + "/unit" + u + "/", u == 1 && s > 1 ? 2 : 1);
                out.put("enc_block" + s + "_unit" + u, x);
            }
        }
        x = conv(x, ckpt.get("embedding/kernel"), 1, ckpt.get("embedding/bias"));
        double[][] tokens = new double[x.h() * x.w()][];
        Tensor pos = ckpt.get("Transformer/posembed_input/pos_embedding");   // [1, 1 + T, D]
        int d = x.c();
        for (int t = 0; t < tokens.length; t++) {
            tokens[t] = new double[d];
            for (int i = 0; i < d; i++) {
                tokens[t][i] = x.v[t * d + i] + pos.v[(1 + t) * d + i];
            }
        }
        for (int l = 0; l < layers; l++) {
            tokens = block(tokens, "Transformer/encoderblock_" + l + "/");
        }
        tokens = layerNorm(tokens, "Transformer/encoder_norm");
        Tensor norm = Tensor.map(x.h(), x.w(), d);
        for (int t = 0; t < tokens.length; t++) {
            System.arraycopy(tokens[t], 0, norm.v, t * d, d);
        }
        out.put("enc_norm", norm);
        return out;
    }

    private Tensor residualUnit(Tensor x, String k, int stride) {
        int out = ckpt.get(k + "conv3/kernel").shape()[3];
        Tensor residual = x;
        if (x.c() != out || stride != 1) {
            residual = groupNorm(stdConv(x, k + "conv_proj/kernel", stride), k + "gn_proj");
        }
        Tensor y = relu(groupNorm(stdConv(x, k + "conv1/kernel", 1), k + "gn1"));
        y = relu(groupNorm(stdConv(y, k + "conv2/kernel", stride), k + "gn2"));
        y = groupNorm(stdConv(y, k + "conv3/kernel", 1), k + "gn3");
        for (int i = 0; i < y.v.length; i++) {
            y.v[i] = Math.max(0, y.v[i] + residual.v[i]);
        }
        return y;
    }

    private Tensor stdConv(Tensor x, String kernelKey, int stride) {
        Tensor k = ckpt.get(kernelKey);                       // HWIO
        int[] s = k.shape();
        int per = s[0] * s[1] * s[2];
        int outC = s[3];
        double[] std = new double[k.v.length];
        for (int o = 0; o < outC; o++) {
            double mean = 0;
            for (int i = 0; i < per; i++) {
                mean += k.v[i * outC + o];
            }
            mean /= per;
            double var = 0;
            for (int i = 0; i < per; i++) {
                double c = k.v[i * outC + o] - mean;
                var += c * c;
            }
            double sd = Math.sqrt(var / per);
            for (int i = 0; i < per; i++) {
                std[i * outC + o] = (k.v[i * outC + o] - mean) / (sd + WS_EPS);
            }
        }
        return conv(x, new Tensor(s, std), stride, null);
    }

    /** 'SAME' convolution of NHWC {@code x} with an HWIO kernel, optional bias. */
    private static Tensor conv(Tensor x, Tensor k, int stride, Tensor bias) {
        int kh = k.shape()[0];
        int kw = k.shape()[1];
        int in = k.shape()[2];
        int outC = k.shape()[3];
        int oh = (x.h() + stride - 1) / stride;
        int ow = (x.w() + stride - 1) / stride;
        int padTop = Math.max((oh - 1) * stride + kh - x.h(), 0) / 2;
        int padLeft = Math.max((ow - 1) * stride + kw - x.w(), 0) / 2;
        Tensor y = Tensor.map(oh, ow, outC);
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                double[] acc = new double[outC];
                if (bias != null) {
                    System.arraycopy(bias.v, 0, acc, 0, outC);
                }
                for (int dy = 0; dy < kh; dy++) {
                    int iy = oy * stride + dy - padTop;
                    if (iy < 0 || iy >= x.h()) {
                        continue;
                    }
                    for (int dx = 0; dx < kw; dx++) {
                        int ix = ox * stride + dx - padLeft;
                        if (ix < 0 || ix >= x.w()) {
                            continue;
                        }
                        for (int c = 0; c < in; c++) {
                            double xv = x.at(iy, ix, c);
                            int base = ((dy * kw + dx) * in + c) * outC;
                            for (int o = 0; o < outC; o++) {
                                acc[o] += xv * k.v[base + o];
                            }
                        }
                    }
                }
                System.arraycopy(acc, 0, y.v, (oy * ow + ox) * outC, outC);
            }
        }
        return y;
    }

    private Tensor groupNorm(Tensor x, String key) {
        double[] scale = ckpt.get(key + "/scale").v();
        double[] bias = ckpt.get(key + "/bias").v();
        int c = x.c();
        int per = c / GROUPS;
        int pixels = x.h() * x.w();
        Tensor y = Tensor.map(x.h(), x.w(), c);
        for (int g = 0; g < GROUPS; g++) {
            double mean = 0;
            for (int p = 0; p < pixels; p++) {
                for (int j = 0; j < per; j++) {
                    mean += x.v[p * c + g * per + j];
                }
            }
            mean /= (double) pixels * per;
            double var = 0;
            for (int p = 0; p < pixels; p++) {
                for (int j = 0; j < per; j++) {
                    double d = x.v[p * c + g * per + j] - mean;
                    var += d * d;
                }
            }
            var /= (double) pixels * per;
            double inv = 1 / Math.sqrt(var + GN_EPS);
            for (int p = 0; p < pixels; p++) {
                for (int j = 0; j < per; j++) {
                    int ch = g * per + j;
                    y.v[p * c + ch] = (x.v[p * c + ch] - mean) * inv * scale[ch] + bias[ch];
                }
            }
        }
        return y;
    }

    private static Tensor relu(Tensor x) {
        for (int i = 0; i < x.v.length; i++) {
            x.v[i] = Math.max(0, x.v[i]);
        }
        return x;
    }

    /** Max pool 3x3/2 'SAME': padded positions never take part (flax pads with -inf). */
    private static Tensor maxPoolSame(Tensor x) {
        int oh = (x.h() + 1) / 2;
        int ow = (x.w() + 1) / 2;
        int padTop = Math.max((oh - 1) * 2 + 3 - x.h(), 0) / 2;
        int padLeft = Math.max((ow - 1) * 2 + 3 - x.w(), 0) / 2;
        Tensor y = Tensor.map(oh, ow, x.c());
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                for (int c = 0; c < x.c(); c++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int dy = 0; dy < 3; dy++) {
                        for (int dx = 0; dx < 3; dx++) {
                            int iy = oy * 2 + dy - padTop;
                            int ix = ox * 2 + dx - padLeft;
                            if (iy >= 0 && iy < x.h() && ix >= 0 && ix < x.w()) {
                                m = Math.max(m, x.at(iy, ix, c));
                            }
                        }
                    }
                    y.v[(oy * ow + ox) * x.c() + c] = m;
                }
            }
        }
        return y;
    }

    private double[][] block(double[][] x, String k) {
        double[][] a = layerNorm(x, k + "LayerNorm_0");
        String attn = k + "MultiHeadDotProductAttention_1/";
        double[][][] q = project(a, attn + "query");
        double[][][] kk = project(a, attn + "key");
        double[][][] v = project(a, attn + "value");
        int n = x.length;
        int d = q[0][0].length;
        double[][][] o = new double[n][heads][d];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < n; i++) {
                double[] s = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int e = 0; e < d; e++) {
                        dot += q[i][h][e] * kk[j][h][e];
                    }
                    s[j] = dot / Math.sqrt(d);
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int j = 0; j < n; j++) {
                    for (int e = 0; e < d; e++) {
                        o[i][h][e] += s[j] / sum * v[j][h][e];
                    }
                }
            }
        }
        Tensor wo = ckpt.get(attn + "out/kernel");           // [heads, d, D]
        double[] bo = ckpt.get(attn + "out/bias").v();
        int dim = x[0].length;
        double[][] y = new double[n][dim];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < dim; c++) {
                double acc = bo[c];
                for (int h = 0; h < heads; h++) {
                    for (int e = 0; e < d; e++) {
                        acc += o[i][h][e] * wo.v[(h * d + e) * dim + c];
                    }
                }
                y[i][c] = x[i][c] + acc;
            }
        }
        double[][] m = dense(layerNorm(y, k + "LayerNorm_2"), k + "MlpBlock_3/Dense_0");
        for (double[] row : m) {
            for (int c = 0; c < row.length; c++) {
                double z = row[c];
                row[c] = 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z)));
            }
        }
        m = dense(m, k + "MlpBlock_3/Dense_1");
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < dim; c++) {
                y[i][c] += m[i][c];
            }
        }
        return y;
    }

    /** DenseGeneral to heads: x [n, D] with kernel [D, heads, d] and bias [heads, d]. */
    private double[][][] project(double[][] x, String key) {
        Tensor w = ckpt.get(key + "/kernel");
        double[] b = ckpt.get(key + "/bias").v();
        int dim = w.shape()[0];
        int hd = w.shape()[1] * w.shape()[2];
        double[][][] out = new double[x.length][heads][hd / heads];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < hd; j++) {
                double acc = b[j];
                for (int c = 0; c < dim; c++) {
                    acc += x[i][c] * w.v[c * hd + j];
                }
                out[i][j / (hd / heads)][j % (hd / heads)] = acc;
            }
        }
        return out;
    }

    private double[][] dense(double[][] x, String key) {
        Tensor w = ckpt.get(key + "/kernel");
        double[] b = ckpt.get(key + "/bias").v();
        int in = w.shape()[0];
        int out = w.shape()[1];
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) {
                double acc = b[o];
                for (int c = 0; c < in; c++) {
                    acc += x[i][c] * w.v[c * out + o];
                }
                y[i][o] = acc;
            }
        }
        return y;
    }

    private double[][] layerNorm(double[][] x, String key) {
        double[] scale = ckpt.get(key + "/scale").v();
        double[] bias = ckpt.get(key + "/bias").v();
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            int n = x[i].length;
            double mean = 0;
            for (double v : x[i]) {
                mean += v;
            }
            mean /= n;
            double var = 0;
            for (double v : x[i]) {
                var += (v - mean) * (v - mean);
            }
            var /= n;
            double inv = 1 / Math.sqrt(var + LN_EPS);
            y[i] = new double[n];
            for (int c = 0; c < n; c++) {
                y[i][c] = (x[i][c] - mean) * inv * scale[c] + bias[c];
            }
        }
        return y;
    }
}
