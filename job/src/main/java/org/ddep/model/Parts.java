package org.ddep.model;

/** Vertex-name prefixes that say which part of a model a vertex belongs to (DESIGN.md "Models"). */
public final class Parts {
    public static final String ENCODER = "enc_";
    public static final String DECODER = "dec_";
    public static final String HEAD = "head_";
    public static final String INPUT = "image";

    private Parts() {
    }
}
