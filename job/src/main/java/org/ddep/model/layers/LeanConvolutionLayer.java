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
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The runtime of {@link LeanConvolution}. */
final class LeanConvolutionLayer extends ConvolutionLayer {
    /**
     * On CPU, a backward pass over more than this many bytes of input (or output gradient) runs in
     * slices of the batch, the weight gradients summed. oneDNN copies the input and the output
     * gradient into its blocked layout on every call, outside any workspace: at 512x512 the
     * decoder's last stage copied 64-channel maps, about 165 MB per image of batch at the step's
     * peak. Per slice, those copies are bounded by the slice instead of growing with the batch.
     * cuDNN works in the arrays' own layout, so the CUDA build keeps whole batches (more images per
     * call) unless {@code -Dddep.conv.bp-slice-bytes} says otherwise. Mutable for tests.
     */
    static long bpSliceBytes = Long.getLong("ddep.conv.bp-slice-bytes",
            Nd4j.getEnvironment().isCPU() ? 64L << 20 : Long.MAX_VALUE);

    LeanConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** libnd4j's {@code conv2d_bp} (oneDNN's on CPU, cuDNN's in the CUDA build) for one batch or one slice of it. */
    private DynamicCustomOp convBp(org.deeplearning4j.nn.conf.layers.ConvolutionLayer c, INDArray in, INDArray weights,
                                   INDArray eps, INDArray inputGrad, INDArray weightGrad, INDArray biasGrad) {
        int[] k = c.getKernelSize();
        int[] s = c.getStride();
        int[] p = c.getPadding();
        int[] d = c.getDilation();
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d_bp")
                // kH, kW, sH, sW, pH, pW, dH, dW, SAME mode, NCHW, weights [oC, iC, kH, kW]
                .addIntegerArguments(k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1],
                        convolutionMode == ConvolutionMode.Same ? 1 : 0, 0, 1);
        if (biasGrad != null) {
            op.addInputs(in, weights, getParam(ConvolutionParamInitializer.BIAS_KEY), eps)
                    .addOutputs(inputGrad, weightGrad, biasGrad);
        } else {
            op.addInputs(in, weights, eps).addOutputs(inputGrad, weightGrad);
        }
        return op.build();
    }

    /** Images {@code from} (inclusive) to {@code to} of a c-ordered NCHW array: a contiguous view. */
    private static INDArray rows(INDArray a, long from, long to) {
        return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
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
        INDArray biasGrad = hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
        INDArray inputGrad = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, in.shape(), 'c');
        long n = in.size(0);
        long perImage = Math.max(in.length(), eps.length()) / Math.max(1, n) * dataType.width();
        long slice = Math.max(1, Math.min(n, bpSliceBytes / Math.max(1, perImage)));
        if (slice >= n) {
            Nd4j.exec(convBp(c, in, weights, eps, inputGrad, weightGrad, biasGrad));
        } else {
            // Slices along the batch are contiguous views of c-ordered arrays.
            in = in.ordering() == 'c' ? in : in.dup('c');
            eps = eps.ordering() == 'c' ? eps : eps.dup('c');
            INDArray wPart = mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, weightGrad.shape(), 'c');
            INDArray bPart = biasGrad == null ? null
                    : mgr.createUninitialized(ArrayType.BP_WORKING_MEM, dataType, biasGrad.shape(), 'c');
            for (long from = 0; from < n; from += slice) {
                long to = Math.min(n, from + slice);
                boolean first = from == 0;
                Nd4j.exec(convBp(c, rows(in, from, to), weights, rows(eps, from, to), rows(inputGrad, from, to),
                        first ? weightGrad : wPart, first ? biasGrad : bPart));
                if (!first) {
                    weightGrad.addi(wPart);
                    if (biasGrad != null) {
                        biasGrad.addi(bPart);
                    }
                }
            }
        }
        Gradient g = new DefaultGradient();
        if (biasGrad != null) {
            g.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGrad);
        }
        g.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGrad);
        return new Pair<>(g, inputGrad);
    }
}
