package org.ddep.config;

import com.typesafe.config.Config;

import java.util.Set;

/**
 * {@code ddep.model}: which architecture, at which decoder width (PAPER.md "Models"), with each
 * architecture's own settings.
 */
public record ModelSpec(String arch, int decoderWidth, int baseChannels, int depth, TransUnetSpec transunet) {
    public static final Set<String> ARCHS = Set.of("unet", "transunet");

    public ModelSpec {
        if (!ARCHS.contains(arch)) {
            throw ConfigError.of("ddep.model.arch", arch, "one of " + ARCHS);
        }
    }

    /** A UNet (the TransUNet settings stay at the paper's). */
    public ModelSpec(String arch, int decoderWidth, int baseChannels, int depth) {
        this(arch, decoderWidth, baseChannels, depth, TransUnetSpec.PAPER);
    }

    /** A TransUNet at decoder width {@code width}. */
    public static ModelSpec transunet(int width, TransUnetSpec t) {
        return new ModelSpec("transunet", width, 32, 4, t);
    }

    public boolean isTransUnet() {
        return arch.equals("transunet");
    }

    /** Input sides must divide by this: one 2x2 pooling per UNet level; the TransUNet's stride 16. */
    public int inputDivisor() {
        return isTransUnet() ? 16 : 1 << depth;
    }

    /** The config key that sets the divisor, for error messages. */
    public String divisorReason() {
        return isTransUnet() ? "the TransUNet's token stride" : "2^ddep.model.unet.depth";
    }

    static ModelSpec from(Config root) {
        Section s = new Section(root, "ddep.model");
        Section u = new Section(root, "ddep.model.unet");
        return new ModelSpec(s.oneOf("arch", ARCHS), s.intIn("decoder-width", 1, 3), u.intIn("base-channels", 1, 1024),
                u.intIn("depth", 1, 6), TransUnetSpec.from(root));
    }
}
