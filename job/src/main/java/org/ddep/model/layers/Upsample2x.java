package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Bilinear 2x upsampling (half-pixel centres, edges clamped), with gradients: DL4J's own
 * Upsampling2D only repeats pixels. The cascaded decoder's upsampling step.
 */
public final class Upsample2x extends ConvLayer {

    public Upsample2x() {
    }

    @Override
    public void defineParameters(SDLayerParams params) {
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
    }

    @Override
    protected SDVariable define(SameDiff sd, SDVariable x, Map<String, SDVariable> p, long c, long h, long w) {
        return Ops.upsample2x(x, c, h, w);
    }

    @Override
    protected InputType outputType(InputType.InputTypeConvolutional in) {
        return InputType.convolutional(in.getHeight() * 2, in.getWidth() * 2, in.getChannels());
    }
}
