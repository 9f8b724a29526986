package org.ddep.model.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Which definition of the R50+ViT-B/16 hybrid encoder the custom layers compute. The public
 * ImageNet-21k checkpoint was trained with {@link #JAX} (google-research/vision_transformer,
 * {@code models_resnet.py} and the root block of {@code models_vit.py}); TransUNet's PyTorch port
 * departs from it in four places, kept as {@link #TRANSUNET_PYTORCH} for comparisons with that code.
 */
public enum EncoderConvention {
    /**
     * The checkpoint's own function: 'SAME' padding as TF/JAX compute it (the odd pixel after),
     * weight standardisation {@code (w - mean) / (std + 1e-5)}, every GroupNorm (projection included)
     * 32 groups with eps 1e-6, GELU with the tanh approximation (JAX's default).
     */
    JAX,
    /**
     * TransUNet's PyTorch port: symmetric padding {@code (k - 1) / 2}, {@code (w - mean) / sqrt(var + 1e-5)},
     * the projection's GroupNorm one group per channel with eps 1e-5, exact (erf) GELU. Model files
     * written before the convention was recorded load with this one, which is what they computed.
     */
    TRANSUNET_PYTORCH;

    /** Weight standardisation eps (both conventions use 1e-5, applied differently). */
    static final double WS_EPS = 1e-5;

    /** The config value naming this convention ({@code jax}, {@code transunet-pytorch}). */
    public String configName() {
        return this == JAX ? "jax" : "transunet-pytorch";
    }

    /** One sentence for logs and {@code import.json}: what the encoder computes. */
    public String description() {
        return this == JAX
                ? "the checkpoint's own JAX/Flax definition (TF 'SAME' padding, (w - mean) / (std + 1e-5) weight"
                + " standardisation, 32-group GroupNorm on the shortcut projection, tanh GELU)"
                : "TransUNet's PyTorch port (symmetric padding, (w - mean) / sqrt(var + 1e-5), per-channel"
                + " projection GroupNorm with eps 1e-5, exact GELU), not the checkpoint's own function";
    }

    /** The convention a config value names. */
    public static EncoderConvention fromConfig(String value) {
        for (EncoderConvention c : values()) {
            if (c.configName().equals(value)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown encoder convention " + value + " (jax or transunet-pytorch)");
    }

    /** Weight standardisation of {@code w} [kh, kw, in, out]: every output filter to zero mean and unit spread. */
    SDVariable standardize(SDVariable w) {
        SameDiff sd = w.getSameDiff();
        SDVariable centred = w.sub(w.mean(true, 0, 1, 2));
        SDVariable var = centred.mul(centred).mean(true, 0, 1, 2);
        return this == JAX
                ? centred.div(sd.math().sqrt(var).add(WS_EPS))
                : centred.mul(sd.math().rsqrt(var.add(WS_EPS)));
    }

    /** Output side of a {@code kernel}/{@code stride} convolution of an {@code in}-pixel side. */
    long convOut(long in, int kernel, int stride) {
        return this == JAX ? (in + stride - 1) / stride : (in + 2L * ((kernel - 1) / 2) - kernel) / stride + 1;
    }

    /** Groups of the shortcut projection's GroupNorm over {@code channels}. */
    int projectionGroups(int groups, int channels) {
        return this == JAX ? groups : channels;
    }

    /** Eps of the shortcut projection's GroupNorm. */
    double projectionEps() {
        return this == JAX ? 1e-6 : 1e-5;
    }

    /** GELU: tanh approximation (JAX's {@code nn.gelu} default) or exact through erf (PyTorch's default). */
    SDVariable gelu(SDVariable x) {
        SameDiff sd = x.getSameDiff();
        if (this == JAX) {
            SDVariable inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
            return x.mul(0.5).mul(sd.math().tanh(inner).add(1.0));
        }
        return x.mul(0.5).mul(sd.math().erf(x.mul(1 / Math.sqrt(2))).add(1.0));
    }
}
