package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * One bottleneck unit of the ViT-hybrid's ResNet-50 (BiT style, as TransUNet uses it):
 * 1x1 -> GN -> ReLU -> 3x3 (the unit's stride) -> GN -> ReLU -> 1x1 -> GN, plus the shortcut
 * (a strided 1x1 projection with a per-channel GroupNorm when the shape changes), then ReLU.
 * Every convolution is weight-standardised and bias-free; kernels are [kh, kw, in, out]. GroupNorm: 32 groups, eps 1e-6;
 * the projection's, padding and standardisation as the {@link EncoderConvention} says.
 */
public final class Bottleneck extends ConvLayer {
    static final int GROUPS = 32;
    static final double EPS = 1e-6;

    @JsonProperty
    private int nIn;
    @JsonProperty
    private int nMid;
    @JsonProperty
    private int nOut;
    @JsonProperty
    private int stride;
    @JsonProperty
    private int groups;
    @JsonProperty
    private EncoderConvention convention = EncoderConvention.TRANSUNET_PYTORCH;   // files from before it was recorded

    @SuppressWarnings("unused") // JSON
    private Bottleneck() {
    }

    public Bottleneck(int nIn, int nMid, int nOut, int stride, EncoderConvention convention) {
        this(nIn, nMid, nOut, stride, GROUPS, convention);
    }

    public Bottleneck(int nIn, int nMid, int nOut, int stride, int groups, EncoderConvention convention) {
        if (nMid % groups != 0 || nOut % groups != 0) {
            throw new IllegalArgumentException("bottleneck channels " + nMid + "/" + nOut + " do not split into "
                    + groups + " groups");
        }
        this.nIn = nIn;
        this.nMid = nMid;
        this.nOut = nOut;
        this.stride = stride;
        this.groups = groups;
        this.convention = convention;
    }

    public boolean hasProjection() {
        return stride != 1 || nIn != nOut;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam("conv1", 1, 1, nIn, nMid);
        params.addWeightParam("conv2", 3, 3, nMid, nMid);
        params.addWeightParam("conv3", 1, 1, nMid, nOut);
        for (int i = 1; i <= 3; i++) {
            long c = i == 3 ? nOut : nMid;
            params.addBiasParam("gn" + i + "Scale", 1, c);
            params.addBiasParam("gn" + i + "Bias", 1, c);
        }
        if (hasProjection()) {
            params.addWeightParam("convProj", 1, 1, nIn, nOut);
            params.addBiasParam("gnProjScale", 1, nOut);
            params.addBiasParam("gnProjBias", 1, nOut);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.forEach((k, v) -> {
            if (k.startsWith("conv")) {
                he(v);
            } else {
                v.assign(k.endsWith("Scale") ? 1 : 0);
            }
        });
    }

    @Override
    protected SDVariable define(SameDiff sd, SDVariable x, Map<String, SDVariable> p, long channels, long h, long w) {
        long oh = convention.convOut(h, 3, stride);
        long ow = convention.convOut(w, 3, stride);
        SDVariable y = sd.nn().relu(Ops.groupNorm(Ops.stdConv(x, p.get("conv1"), 1, 1, convention),
                p.get("gn1Scale"), p.get("gn1Bias"), nMid, h, w, groups, EPS), 0);
        y = sd.nn().relu(Ops.groupNorm(Ops.stdConv(y, p.get("conv2"), 3, stride, convention),
                p.get("gn2Scale"), p.get("gn2Bias"), nMid, oh, ow, groups, EPS), 0);
        y = Ops.groupNorm(Ops.stdConv(y, p.get("conv3"), 1, 1, convention), p.get("gn3Scale"), p.get("gn3Bias"),
                nOut, oh, ow, groups, EPS);
        SDVariable shortcut = hasProjection()
                ? Ops.groupNorm(Ops.stdConv(x, p.get("convProj"), 1, stride, convention), p.get("gnProjScale"),
                p.get("gnProjBias"), nOut, oh, ow, convention.projectionGroups(groups, nOut), convention.projectionEps())
                : x;
        return sd.nn().relu(y.add(shortcut), 0);
    }

    @Override
    protected InputType outputType(InputType.InputTypeConvolutional in) {
        return InputType.convolutional(convention.convOut(in.getHeight(), 3, stride),
                convention.convOut(in.getWidth(), 3, stride), nOut);
    }
}
