package org.ddep.prep;

import java.io.Serializable;

/** An input that prep did not turn into a row, with the reason. Counted and reported, never dropped silently. */
public record Skip(String path, String reason) implements Serializable {
    /** The reason without the file-specific detail, for counting ("corrupt image: ..." -> "corrupt image"). */
    public String kind() {
        int i = reason.indexOf(':');
        return i < 0 ? reason : reason.substring(0, i);
    }
}
