package org.ddep.data;

import org.ddep.prep.ShardRecord;

import java.io.Serializable;

/**
 * A shard row as it travels through a window's shuffle: the encoded bytes, never decoded pixels.
 * A plain class rather than a record, because Kryo (the cluster's serializer) cannot set a record's
 * fields on Java 17.
 */
final class EncodedRow implements Serializable {
    private final String id;
    private final byte[] image;
    private final int height;
    private final int width;
    private final byte[] mask;
    private final Integer label;
    private final double labelKey;
    private final String source;

    EncodedRow(ShardRecord r) {
        this.id = r.id();
        this.image = r.image();
        this.height = r.height();
        this.width = r.width();
        this.mask = r.mask();
        this.label = r.label();
        this.labelKey = r.labelKey();
        this.source = r.source();
    }

    ShardRecord record() {
        return new ShardRecord(id, image, height, width, mask, label, labelKey, source);
    }
}
