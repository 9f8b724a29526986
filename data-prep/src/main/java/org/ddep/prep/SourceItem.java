package org.ddep.prep;

import java.io.Serializable;

/**
 * One input found by a {@link DatasetLayout}: an image, its mask if any, its class if any.
 * Paths are Hadoop URIs; {@code id} is stable (derived from the path relative to the input root).
 * An {@code archive} item is a tar of images of one class (ImageNet's distributed form): it is read
 * as a stream on an executor and yields one row per image, with ids {@code <id>/<member stem>}.
 */
public record SourceItem(String split, String id, String imagePath, String maskPath, Integer label, boolean archive)
        implements Serializable {
    public SourceItem(String split, String id, String imagePath, String maskPath, Integer label) {
        this(split, id, imagePath, maskPath, label, false);
    }
}
