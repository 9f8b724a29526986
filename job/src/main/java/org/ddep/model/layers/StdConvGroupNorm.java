package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Weight-standardised convolution, GroupNorm and optionally ReLU in one layer: the root of the
 * ViT-hybrid's ResNet (7x7, stride 2, 64 filters, 32 groups), padded and standardised as its
 * {@link EncoderConvention} says. Parameters: {@code conv}
 * [k, k, in, out], {@code gnScale} and {@code gnBias} [1, out].
 */
public final class StdConvGroupNorm extends ConvLayer {
    @JsonProperty
    private int nIn;
    @JsonProperty
    private int nOut;
    @JsonProperty
    private int kernel;
    @JsonProperty
    private int stride;
    @JsonProperty
    private int groups;
    @JsonProperty
    private double eps;
    @JsonProperty
    private boolean relu;
    @JsonProperty
    private EncoderConvention convention = EncoderConvention.TRANSUNET_PYTORCH;   // files from before it was recorded

    @SuppressWarnings("unused") // JSON
    private StdConvGroupNorm() {
    }

    public StdConvGroupNorm(int nIn, int nOut, int kernel, int stride, int groups, double eps, boolean relu,
                            EncoderConvention convention) {
        if (nOut % groups != 0) {
            throw new IllegalArgumentException(nOut + " channels do not split into " + groups + " groups");
        }
        this.nIn = nIn;
        this.nOut = nOut;
        this.kernel = kernel;
        this.stride = stride;
        this.groups = groups;
        this.eps = eps;
        this.relu = relu;
        this.convention = convention;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam("conv", kernel, kernel, nIn, nOut);
        params.addBiasParam("gnScale", 1, nOut);
        params.addBiasParam("gnBias", 1, nOut);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        he(params.get("conv"));
        params.get("gnScale").assign(1);
        params.get("gnBias").assign(0);
    }

    @Override
    protected SDVariable define(SameDiff sd, SDVariable x, Map<String, SDVariable> p, long channels, long h, long w) {
        SDVariable y = Ops.stdConv(x, p.get("conv"), kernel, stride, convention);
        y = Ops.groupNorm(y, p.get("gnScale"), p.get("gnBias"), nOut, out(h), out(w), groups, eps);
        return relu ? sd.nn().relu(y, 0) : y;
    }

    @Override
    protected InputType outputType(InputType.InputTypeConvolutional in) {
        return InputType.convolutional(out(in.getHeight()), out(in.getWidth()), nOut);
    }

    private long out(long side) {
        return convention.convOut(side, kernel, stride);
    }
}
