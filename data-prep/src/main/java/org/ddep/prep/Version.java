package org.ddep.prep;

/** The tool version written into manifests and reports. */
public final class Version {
    public static final String VALUE = "0.1.0";

    private Version() {
    }
}
