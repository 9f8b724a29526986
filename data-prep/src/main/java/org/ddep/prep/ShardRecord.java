package org.ddep.prep;

import java.io.Serializable;

/**
 * One row of a shard. {@code mask} is null for unlabelled images (PNG of uint8 train ids, 255 =
 * ignore), {@code label} is null where there is no image-level class.
 */
public record ShardRecord(String id, byte[] image, int height, int width, byte[] mask, Integer label,
                          double labelKey, String source) implements Serializable {
    public boolean hasMask() {
        return mask != null;
    }
}
