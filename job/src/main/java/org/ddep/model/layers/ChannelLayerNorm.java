package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * LayerNorm over the channels of every position of an NCHW grid (a token's features), with a
 * per-channel scale and bias [1, C]: the ViT encoder's final norm. eps 1e-6.
 */
public final class ChannelLayerNorm extends ConvLayer {
    @JsonProperty
    private int channels;
    @JsonProperty
    private double eps;

    @SuppressWarnings("unused") // JSON
    private ChannelLayerNorm() {
    }

    public ChannelLayerNorm(int channels, double eps) {
        this.channels = channels;
        this.eps = eps;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addBiasParam("scale", 1, channels);
        params.addBiasParam("bias", 1, channels);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get("scale").assign(1);
        params.get("bias").assign(0);
    }

    @Override
    protected SDVariable define(SameDiff sd, SDVariable x, Map<String, SDVariable> p, long c, long h, long w) {
        return Ops.layerNorm(x, sd.reshape(p.get("scale"), 1, channels, 1, 1), sd.reshape(p.get("bias"), 1, channels, 1, 1),
                1, eps);
    }
}
