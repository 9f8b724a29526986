package org.ddep.prep;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * How one dataset is laid out on disk: which files are images, masks and classes, and how raw
 * mask values map to train ids. Listing runs on the driver; {@link #labelMap} runs on executors.
 */
public interface DatasetLayout extends Serializable {
    /** The name users pass to {@code prep --dataset}. */
    String name();

    /** Finds every input of the given splits; inputs that cannot be used are returned as skips. */
    Listing list(FileSystem fs, Path root, List<String> splits) throws IOException;

    /** Maps raw mask values to train ids, given what listing found (e.g. the classes file). */
    LabelMap labelMap(Listing listing);

    record Listing(List<SourceItem> items, List<Skip> skips, List<String> classNames,
                   Map<String, String> classColours, Map<String, Object> layoutInfo) {
    }
}
