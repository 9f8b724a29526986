package org.ddep.prep;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A stable number in [0, 1) per example id. A label fraction f is the set {@code key < f}, so the
 * 1% subset lies inside the 5% subset inside the 10% subset, on every run and every machine.
 */
public final class LabelKey {
    private LabelKey() {
    }

    public static double of(String id) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            long bits = 0;
            for (int i = 0; i < 7; i++) {
                bits = (bits << 8) | (h[i] & 0xff);
            }
            // 53 bits: exactly representable as a double, strictly below 1.
            return (bits >>> 3) / (double) (1L << 53);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public static boolean selected(double labelKey, double fraction) {
        return labelKey < fraction;
    }
}
