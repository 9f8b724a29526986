package org.ddep.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.s3a.RemoteFileChangedException;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Small file operations on any Hadoop file system (file:, hdfs:, s3a:), for run directories. */
public final class HadoopFiles {
    private final Configuration conf;
    private static final Logger LOG = LoggerFactory.getLogger("ddep");

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

    /**
     * Replaces the file whole: a reader, or a driver killed at any instant, sees the old bytes or
     * the new ones, never a half-written file and never no file. Run directories depend on it
     * ({@code state.json}, checkpoints, the metrics log). An object store's PUT replaces an object
     * at once, so s3a and gs write in place. Elsewhere the bytes go to a temporary name, synced,
     * and renamed over the target: rename(2) on a local disk, HDFS's rename with OVERWRITE (one
     * NameNode operation). Any other file system (viewfs, abfs, wasb, ...) gets delete-then-rename,
     * which leaves a moment with no file, and a warning once per scheme.
     */
    public void writeBytes(String uri, byte[] bytes) throws IOException {
        Path target = new Path(uri);
        FileSystem fs = fs(uri);
        String scheme = fs.getUri().getScheme();   // FileSystem.getScheme() throws on RawLocalFileSystem
        if (OBJECT_STORES.contains(scheme)) {
            write(fs, target, bytes, false);
            return;
        }
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        FileSystem unwrapped = fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
        if (unwrapped instanceof RawLocalFileSystem raw) {
            if (fs instanceof LocalFileSystem local) {
                // Written without a .crc beside it: the data and its checksum are two files, and no
                // rename replaces both at once. A checksum left by an earlier write goes first; a
                // reader opens the data before its checksum, so the old bytes stay readable.
                raw.delete(local.getChecksumFile(target), false);
            }
            replaceLocally(raw, tmp, target, bytes);
        } else if (fs instanceof DistributedFileSystem hdfs) {
            write(hdfs, tmp, bytes, true);
            hdfs.rename(tmp, target, Options.Rename.OVERWRITE);
        } else {
            if (WARNED.add(scheme)) {
                LOG.warn("{}: files are replaced by delete-then-rename (no atomic replace known for this file system); "
                        + "a driver killed in between leaves no file", scheme);
            }
            write(fs, tmp, bytes, true);
            fs.delete(target, false);
            rename(fs.rename(tmp, target), tmp, target);
        }
    }

    private static void replaceLocally(RawLocalFileSystem raw, Path tmp, Path target, byte[] bytes) throws IOException {
        write(raw, tmp, bytes, true);
        // Files.move, not raw.rename: the latter falls back to a copy when a rename fails
        Files.move(raw.pathToFile(tmp).toPath(), raw.pathToFile(target).toPath(),
                StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Schemes whose files appear whole when their stream closes, and replace the old object at once. */
    private static final Set<String> OBJECT_STORES = Set.of("s3a", "gs");
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    /** With {@code sync}, the bytes are on disk before the rename that publishes them (a power cut keeps them). */
    private static void write(FileSystem fs, Path p, byte[] bytes, boolean sync) throws IOException {
        try (FSDataOutputStream out = fs.create(p, true)) {
            out.write(bytes);
            if (sync) {
                out.hsync();
            }
        }
    }

    private static void rename(boolean renamed, Path tmp, Path target) throws IOException {
        if (!renamed) {
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
    }

    public InputStream open(String uri) throws IOException {
        return fs(uri).open(new Path(uri));
    }

    public String readString(String uri) throws IOException {
        return new String(readBytes(uri), StandardCharsets.UTF_8);
    }

    /**
     * The whole file. On s3a a read that overlaps a rewrite of the object fails with "change
     * reported by S3" (its ETag moved under it): it starts again, so a reader gets the old bytes
     * or the new ones, like everywhere else; five such failures in a row are reported.
     */
    public byte[] readBytes(String uri) throws IOException {
        for (int tries = 1; ; tries++) {
            try (InputStream in = open(uri)) {
                return in.readAllBytes();
            } catch (RemoteFileChangedException replaced) {
                if (tries >= 5) {
                    throw replaced;
                }
            }
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
