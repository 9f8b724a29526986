package org.ddep.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Small file operations on any Hadoop file system (file:, hdfs:, s3a:), for run directories. */
public final class HadoopFiles {
    private final Configuration conf;

    public HadoopFiles(Configuration conf) {
        this.conf = conf;
    }

    public Configuration conf() {
        return conf;
    }

    public FileSystem fs(String uri) {
        try {
            return new Path(uri).getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException("no file system for " + uri, e);
        }
    }

    public boolean exists(String uri) throws IOException {
        return fs(uri).exists(new Path(uri));
    }

    public void writeString(String uri, String text) throws IOException {
        writeBytes(uri, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes to a temporary name, then renames: readers never see a half-written file. */
    public void writeBytes(String uri, byte[] bytes) throws IOException {
        Path target = new Path(uri);
        FileSystem fs = fs(uri);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            out.write(bytes);
        }
        if (fs.exists(target)) {
            fs.delete(target, false);
        }
        if (!fs.rename(tmp, target)) {
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
    }

    public OutputStream create(String uri) throws IOException {
        return fs(uri).create(new Path(uri), true);
    }

    public InputStream open(String uri) throws IOException {
        return fs(uri).open(new Path(uri));
    }

    public String readString(String uri) throws IOException {
        try (InputStream in = open(uri)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public void delete(String uri) throws IOException {
        Path p = new Path(uri);
        FileSystem fs = fs(uri);
        if (fs.exists(p)) {
            fs.delete(p, true);
        }
    }

    public void mkdirs(String uri) throws IOException {
        fs(uri).mkdirs(new Path(uri));
    }

    public static String join(String base, String... parts) {
        StringBuilder b = new StringBuilder(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
        for (String p : parts) {
            b.append('/').append(p);
        }
        return b.toString();
    }
}
