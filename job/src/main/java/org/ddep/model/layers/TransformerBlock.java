package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * One pre-norm ViT encoder block over the tokens of an NCHW grid:
 * {@code t + MHA(LN(t))}, then {@code t + MLP(LN(t))} with a GELU MLP (the {@link EncoderConvention}'s
 * GELU); LayerNorm eps 1e-6.
 * Input and output are [mb, hidden, h, w]; the h*w positions are the tokens.
 * Parameters (kernels are [in, out], applied as {@code x · W + b}): {@code ln1Scale}, {@code ln1Bias},
 * {@code qKernel}, {@code qBias}, {@code kKernel}, {@code kBias}, {@code vKernel}, {@code vBias},
 * {@code outKernel}, {@code outBias}, {@code ln2Scale}, {@code ln2Bias}, {@code mlp1Kernel},
 * {@code mlp1Bias}, {@code mlp2Kernel}, {@code mlp2Bias}.
 */
public final class TransformerBlock extends ConvLayer {
    static final double EPS = 1e-6;

    @JsonProperty
    private int hidden;
    @JsonProperty
    private int heads;
    @JsonProperty
    private int mlp;
    @JsonProperty
    private EncoderConvention convention = EncoderConvention.TRANSUNET_PYTORCH;   // files from before it was recorded

    @SuppressWarnings("unused") // JSON
    private TransformerBlock() {
    }

    public TransformerBlock(int hidden, int heads, int mlp, EncoderConvention convention) {
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hidden + " does not split into " + heads + " heads");
        }
        this.hidden = hidden;
        this.heads = heads;
        this.mlp = mlp;
        this.convention = convention;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addBiasParam("ln1Scale", 1, hidden);
        params.addBiasParam("ln1Bias", 1, hidden);
        for (String p : new String[]{"q", "k", "v", "out"}) {
            params.addWeightParam(p + "Kernel", hidden, hidden);
            params.addBiasParam(p + "Bias", 1, hidden);
        }
        params.addBiasParam("ln2Scale", 1, hidden);
        params.addBiasParam("ln2Bias", 1, hidden);
        params.addWeightParam("mlp1Kernel", hidden, mlp);
        params.addBiasParam("mlp1Bias", 1, mlp);
        params.addWeightParam("mlp2Kernel", mlp, hidden);
        params.addBiasParam("mlp2Bias", 1, hidden);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.forEach((k, v) -> {
            if (k.endsWith("Kernel")) {
                xavier(v);
            } else {
                v.assign(k.endsWith("Scale") ? 1 : 0);
            }
        });
    }

    @Override
    protected SDVariable define(SameDiff sd, SDVariable x, Map<String, SDVariable> p, long channels, long h, long w) {
        if (channels != hidden) {
            throw new IllegalStateException("layer " + getLayerName() + " expects " + hidden + " channels, got " + channels);
        }
        long tokens = h * w;
        long headSize = hidden / heads;
        // [mb, C, h, w] -> [mb*T, C]
        SDVariable t = sd.reshape(sd.permute(sd.reshape(x, -1, hidden, tokens), 0, 2, 1), -1, hidden);

        SDVariable a = Ops.layerNorm(t, p.get("ln1Scale"), p.get("ln1Bias"), 1, EPS);
        SDVariable q = heads(sd, a.mmul(p.get("qKernel")).add(p.get("qBias")), tokens, headSize);
        SDVariable k = heads(sd, a.mmul(p.get("kKernel")).add(p.get("kBias")), tokens, headSize);
        SDVariable v = heads(sd, a.mmul(p.get("vKernel")).add(p.get("vBias")), tokens, headSize);
        SDVariable scores = sd.mmul(q, k, false, true, false).mul(1 / Math.sqrt(headSize));   // [mb, H, T, T]
        SDVariable attended = sd.mmul(sd.nn().softmax(scores, 3), v);                          // [mb, H, T, d]
        SDVariable merged = sd.reshape(sd.permute(attended, 0, 2, 1, 3), -1, hidden);
        t = t.add(merged.mmul(p.get("outKernel")).add(p.get("outBias")));

        SDVariable m = Ops.layerNorm(t, p.get("ln2Scale"), p.get("ln2Bias"), 1, EPS);
        m = convention.gelu(m.mmul(p.get("mlp1Kernel")).add(p.get("mlp1Bias")));
        t = t.add(m.mmul(p.get("mlp2Kernel")).add(p.get("mlp2Bias")));

        // [mb*T, C] -> [mb, C, h, w]
        return sd.reshape(sd.permute(sd.reshape(t, -1, tokens, hidden), 0, 2, 1), -1, hidden, h, w);
    }

    /** [mb*T, C] -> [mb, heads, T, d]. */
    private SDVariable heads(SameDiff sd, SDVariable x, long tokens, long headSize) {
        return sd.permute(sd.reshape(x, -1, tokens, heads, headSize), 0, 2, 1, 3);
    }
}
