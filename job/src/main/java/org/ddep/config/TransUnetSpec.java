package org.ddep.config;

import com.typesafe.config.Config;

import java.util.List;

/**
 * {@code ddep.model.transunet}: the R50+ViT-B/16 hybrid encoder (PAPER.md "Models"). The defaults
 * are the paper's; smaller values exist for tests and laptops.
 *
 * @param resnetUnits   bottleneck units per ResNet stage (3, 4, 9: three stages reach 1/16)
 * @param resnetWidth   root width (64); stage s has width*2^s bottleneck and 4x that output channels
 * @param hidden        transformer width (768)
 * @param layers        transformer layers (12)
 * @param heads         attention heads (12)
 * @param mlp           MLP width (3072)
 * @param positionGrid  token grid the position embeddings are stored at (14 = 224 / 16)
 * @param resnetNorm    "group": weight-standardised convs + GroupNorm (the paper's, the checkpoint's);
 *                      "batch": plain convs + BatchNorm (the PyTorch peer's torchvision ResNet)
 * @param convention    "jax": the function the public ImageNet-21k checkpoint computes (its JAX/Flax
 *                      definition); "transunet-pytorch": TransUNet's PyTorch port of it (padding,
 *                      projection GroupNorm, weight-standardisation eps and GELU differ)
 */
public record TransUnetSpec(List<Integer> resnetUnits, int resnetWidth, int hidden, int layers, int heads, int mlp,
                            int positionGrid, String resnetNorm, String convention) {
    public static final TransUnetSpec PAPER = new TransUnetSpec(List.of(3, 4, 9), 64, 768, 12, 12, 3072, 14);
    /** The ResNet of the ViT-hybrid (and of the public checkpoint). */
    public static final String GROUP = "group";
    /** A torchvision-style ResNet: plain convolutions with BatchNorm, as shared/bench/peer_torch.py builds it. */
    public static final String BATCH = "batch";
    /** The checkpoint's own definition (google-research/vision_transformer). */
    public static final String JAX = "jax";
    /** TransUNet's PyTorch port of the encoder. */
    public static final String TRANSUNET_PYTORCH = "transunet-pytorch";

    public TransUnetSpec(List<Integer> resnetUnits, int resnetWidth, int hidden, int layers, int heads, int mlp,
                         int positionGrid) {
        this(resnetUnits, resnetWidth, hidden, layers, heads, mlp, positionGrid, GROUP);
    }

    public TransUnetSpec(List<Integer> resnetUnits, int resnetWidth, int hidden, int layers, int heads, int mlp,
                         int positionGrid, String resnetNorm) {
        this(resnetUnits, resnetWidth, hidden, layers, heads, mlp, positionGrid, resnetNorm, JAX);
    }

    /** This spec with another encoder convention. */
    public TransUnetSpec withConvention(String c) {
        return new TransUnetSpec(resnetUnits, resnetWidth, hidden, layers, heads, mlp, positionGrid, resnetNorm, c);
    }

    public boolean groupNorm() {
        return resnetNorm.equals(GROUP);
    }
    /** GroupNorm groups in the ResNet. */
    public static final int GROUPS = 32;

    public TransUnetSpec {
        resnetUnits = List.copyOf(resnetUnits);
        if (resnetUnits.size() != 3 || resnetUnits.stream().anyMatch(u -> u < 1)) {
            throw ConfigError.of("ddep.model.transunet.resnet-units", resnetUnits,
                    "three positive unit counts (one per stage to 1/16), e.g. [3, 4, 9]");
        }
        if (resnetWidth % GROUPS != 0) {
            throw ConfigError.of("ddep.model.transunet.resnet-width", resnetWidth,
                    "a multiple of " + GROUPS + " (GroupNorm uses " + GROUPS + " groups)");
        }
        if (!resnetNorm.equals(GROUP) && !resnetNorm.equals(BATCH)) {
            throw ConfigError.of("ddep.model.transunet.resnet-norm", resnetNorm, "group or batch");
        }
        if (!convention.equals(JAX) && !convention.equals(TRANSUNET_PYTORCH)) {
            throw ConfigError.of("ddep.model.transunet.convention", convention, JAX + " or " + TRANSUNET_PYTORCH);
        }
        if (heads < 1 || hidden % heads != 0) {
            throw ConfigError.of("ddep.model.transunet.heads", heads, "a divisor of hidden = " + hidden);
        }
    }

    static TransUnetSpec from(Config root) {
        Section t = new Section(root, "ddep.model.transunet");
        List<Integer> units;
        try {
            units = t.raw().getIntList("resnet-units");
        } catch (com.typesafe.config.ConfigException e) {
            throw ConfigError.of("ddep.model.transunet.resnet-units", t.raw().getValue("resnet-units").unwrapped(),
                    "a list of three integers, e.g. [3, 4, 9]");
        }
        return new TransUnetSpec(units, t.intIn("resnet-width", 32, 1024), t.intIn("hidden", 1, 8192),
                t.intIn("layers", 1, 64), t.intIn("heads", 1, 128), t.intIn("mlp", 1, 65536),
                t.intIn("position-grid", 1, 512), t.oneOf("resnet-norm", java.util.Set.of(GROUP, BATCH)),
                t.oneOf("convention", java.util.Set.of(JAX, TRANSUNET_PYTORCH)));
    }
}
