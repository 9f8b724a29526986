package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/** The runtime of {@link LeanConvolution}. */
final class LeanConvolutionLayer extends ConvolutionLayer {

    LeanConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer c = layerConf();
        if (!(c.getActivationFn() instanceof ActivationIdentity) || c.getIDropout() != null
                || c.getWeightNoise() != null || c.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            return super.backpropGradient(epsilon, mgr);
        }
        assertInputSet(true);
        INDArray weights = getParam(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray in = input.castTo(dataType);
        INDArray eps = epsilon.dataType() == dataType ? epsilon : epsilon.castTo(dataType);
        INDArray weightGrad = gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY);
        INDArray inputGrad = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, in.shape(), 'c');
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] p = c.getPadding();
        int[] d = c.getDilation();
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d_bp")
                // kH, kW, sH, sW, pH, pW, dH, dW, SAME mode, NCHW, weights [oC, iC, kH, kW]
                .addIntegerArguments(k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1],
                        convolutionMode == ConvolutionMode.Same ? 1 : 0, 0, 1);
        Gradient g = new DefaultGradient();
        if (hasBias()) {
            INDArray biasGrad = gradientViews.get(ConvolutionParamInitializer.BIAS_KEY);
            op.addInputs(in, weights, getParam(ConvolutionParamInitializer.BIAS_KEY), eps)
                    .addOutputs(inputGrad, weightGrad, biasGrad);
            g.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGrad);
        } else {
            op.addInputs(in, weights, eps).addOutputs(inputGrad, weightGrad);
        }
        g.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGrad);
        Nd4j.exec(op.build());
        return new Pair<>(g, inputGrad);
    }
}
