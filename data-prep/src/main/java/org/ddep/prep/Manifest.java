package org.ddep.prep;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * {@code <shards>/<dataset>/_manifest.json}: what a dataset's shards hold and how they were made
 * (DESIGN.md "Shards"). Written last by prep; read by training to learn classes and counts.
 */
public record Manifest(
        String dataset,
        String layout,
        String toolVersion,
        Map<String, Object> source,
        int ignoreIndex,
        List<String> classNames,
        Map<String, String> classColours,
        Map<String, Long> counts,
        Map<String, Long> labelledCounts,
        ImageSize imageSize,
        List<Double> channelMean,
        List<Double> channelStd,
        List<Long> classPixels,
        Map<String, Long> skippedByReason,
        List<Skip> skipped,
        Map<String, Long> outOfRangeLabels,
        Map<String, Integer> files) {

    public record ImageSize(int minHeight, int maxHeight, double meanHeight, int minWidth, int maxWidth,
                            double meanWidth) {
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public int numClasses() {
        return classNames.size();
    }

    public long count(String split) {
        return counts.getOrDefault(split, 0L);
    }

    public void write(Configuration conf, String uri) throws IOException {
        Path p = new Path(uri);
        FileSystem fs = p.getFileSystem(conf);
        try (FSDataOutputStream out = fs.create(p, true)) {
            JSON.writeValue((java.io.OutputStream) out, this);
        }
    }

    public static Manifest read(Configuration conf, String uri) throws IOException {
        Path p = new Path(uri);
        FileSystem fs = p.getFileSystem(conf);
        if (!fs.exists(p)) {
            throw new IOException("no shard manifest at " + uri + ": run prep for this dataset first");
        }
        try (InputStream in = fs.open(p)) {
            return JSON.readValue(in, Manifest.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException("unreadable shard manifest " + uri + ": " + e.getOriginalMessage(), e);
        }
    }
}
