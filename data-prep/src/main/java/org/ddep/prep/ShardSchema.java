package org.ddep.prep;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * The shard table's columns, declared once: the prep job writes with it and the training reader
 * reads with it (DESIGN.md "Shards"). No column name is spelled anywhere else. {@code image} and
 * {@code mask} hold the encoded JPEG/PNG bytes, or, for a source prepped with {@code pixels = raw},
 * {@link RawPixels} (told apart by their first bytes; {@link ImageCodec} reads both).
 */
public final class ShardSchema {
    public static final String ID = "id";
    public static final String IMAGE = "image";
    public static final String HEIGHT = "height";
    public static final String WIDTH = "width";
    public static final String MASK = "mask";
    public static final String LABEL = "label";
    public static final String LABEL_KEY = "label_key";
    public static final String SOURCE = "source";

    /** Mask value of pixels that count for nothing (PAPER.md "Fine-tuning"). */
    public static final int IGNORE = 255;
    public static final String MANIFEST = "_manifest.json";

    public static final StructType SCHEMA = DataTypes.createStructType(List.of(
            field(ID, DataTypes.StringType, false),
            field(IMAGE, DataTypes.BinaryType, false),
            field(HEIGHT, DataTypes.IntegerType, false),
            field(WIDTH, DataTypes.IntegerType, false),
            field(MASK, DataTypes.BinaryType, true),
            field(LABEL, DataTypes.IntegerType, true),
            field(LABEL_KEY, DataTypes.DoubleType, false),
            field(SOURCE, DataTypes.StringType, false)));

    private ShardSchema() {
    }

    /** Where one split of one dataset lives under a shards root. */
    public static String splitPath(String shardsRoot, String dataset, String split) {
        return datasetPath(shardsRoot, dataset) + "/split=" + split;
    }

    public static String datasetPath(String shardsRoot, String dataset) {
        return stripSlash(shardsRoot) + "/" + dataset;
    }

    public static String manifestPath(String shardsRoot, String dataset) {
        return datasetPath(shardsRoot, dataset) + "/" + MANIFEST;
    }

    public static Row toRow(ShardRecord r) {
        return RowFactory.create(r.id(), r.image(), r.height(), r.width(), r.mask(), r.label(), r.labelKey(), r.source());
    }

    public static ShardRecord fromRow(Row row) {
        int mi = row.fieldIndex(MASK);
        int li = row.fieldIndex(LABEL);
        return new ShardRecord(
                row.getString(row.fieldIndex(ID)),
                (byte[]) row.get(row.fieldIndex(IMAGE)),
                row.getInt(row.fieldIndex(HEIGHT)),
                row.getInt(row.fieldIndex(WIDTH)),
                row.isNullAt(mi) ? null : (byte[]) row.get(mi),
                row.isNullAt(li) ? null : row.getInt(li),
                row.getDouble(row.fieldIndex(LABEL_KEY)),
                row.getString(row.fieldIndex(SOURCE)));
    }

    private static StructField field(String name, org.apache.spark.sql.types.DataType type, boolean nullable) {
        return DataTypes.createStructField(name, type, nullable);
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
