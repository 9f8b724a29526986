package org.ddep.prep;

import java.io.Serializable;

/**
 * One input found by a {@link DatasetLayout}: an image, its mask if any, its class if any.
 * Paths are Hadoop URIs; {@code id} is stable (derived from the path relative to the input root).
 */
public record SourceItem(String split, String id, String imagePath, String maskPath, Integer label)
        implements Serializable {
}
