package org.ddep.config;

import com.typesafe.config.Config;

import java.io.Serializable;
import java.util.Set;

/** {@code ddep.pretrain-decoder.noise}: the denoising objective (PAPER.md "Denoising objective"). */
public record NoiseSpec(Kind kind, double sigma, Target target, Gamma gamma) implements Serializable {
    public enum Kind { SCALED_ADDITIVE, SIMPLE_ADDITIVE }

    public enum Target { NOISE, IMAGE }

    public enum Gamma { FIXED, RANDOM }

    /** The paper's defaults: scaled additive noise, sigma 0.22, predict the noise, one fixed gamma. */
    public static NoiseSpec paperDefault() {
        return new NoiseSpec(Kind.SCALED_ADDITIVE, 0.22, Target.NOISE, Gamma.FIXED);
    }

    static NoiseSpec from(Config root) {
        Section s = new Section(root, "ddep.pretrain-decoder.noise");
        return new NoiseSpec(
                Kind.valueOf(enumName(s.oneOf("kind", Set.of("scaled-additive", "simple-additive")))),
                s.doubleIn("sigma", 0, 100, false),
                Target.valueOf(enumName(s.oneOf("target", Set.of("noise", "image")))),
                Gamma.valueOf(enumName(s.oneOf("gamma", Set.of("fixed", "random")))));
    }

    private static String enumName(String v) {
        return v.toUpperCase().replace('-', '_');
    }
}
