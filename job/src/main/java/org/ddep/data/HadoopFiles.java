package org.ddep.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.apache.hadoop.fs.s3a.RemoteFileChangedException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Small file operations on any Hadoop file system (file:, hdfs:, s3a:), for run directories. */
public final class HadoopFiles {
    private final Configuration conf;
    private static final Map<URI, FileContext> CONTEXTS = new ConcurrentHashMap<>();

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
     * ({@code state.json}, checkpoints, the metrics log). An object store's PUT is atomic, so
     * s3a and gs write in place; elsewhere the bytes go to a temporary name that is renamed over
     * the target: rename(2) on a local disk, HDFS's rename with OVERWRITE through FileContext. A
     * file system with neither falls back to delete-then-rename, which has a window with no file.
     */
    public void writeBytes(String uri, byte[] bytes) throws IOException {
        Path target = new Path(uri);
        FileSystem fs = fs(uri);
        if (OBJECT_STORES.contains(fs.getScheme())) {
            write(fs, target, bytes);
            return;
        }
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        if (fs instanceof LocalFileSystem local) {
            // Written without a .crc beside it: renaming the data and then its checksum is two
            // steps, and a kill between them would leave new bytes under an old checksum that
            // every later read rejects. A stale checksum from an earlier write goes first; the
            // old bytes stay readable without it.
            FileSystem raw = local.getRawFileSystem();
            write(raw, tmp, bytes);
            raw.delete(local.getChecksumFile(target), false);
            rename(raw.rename(tmp, target), tmp, target);
            return;
        }
        write(fs, tmp, bytes);
        if (fs instanceof RawLocalFileSystem) {
            rename(fs.rename(tmp, target), tmp, target);
            return;
        }
        try {
            context(fs).rename(tmp, target, Options.Rename.OVERWRITE);
        } catch (UnsupportedFileSystemException e) {
            fs.delete(target, false);
            rename(fs.rename(tmp, target), tmp, target);
        }
    }

    /**
     * One per file system for the JVM, as Hadoop caches FileSystems: an HDFS FileContext opens a
     * client of its own, which nothing closes, and executors make a HadoopFiles per task.
     */
    private FileContext context(FileSystem fs) throws UnsupportedFileSystemException {
        FileContext c = CONTEXTS.get(fs.getUri());
        if (c == null) {
            c = FileContext.getFileContext(fs.getUri(), conf);
            FileContext first = CONTEXTS.putIfAbsent(fs.getUri(), c);
            return first != null ? first : c;
        }
        return c;
    }

    /** Schemes whose files appear whole when their stream closes, and replace the old object at once. */
    private static final Set<String> OBJECT_STORES = Set.of("s3a", "gs");

    private static void write(FileSystem fs, Path p, byte[] bytes) throws IOException {
        try (FSDataOutputStream out = fs.create(p, true)) {
            out.write(bytes);
        }
    }

    private static void rename(boolean renamed, Path tmp, Path target) throws IOException {
        if (!renamed) {
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
