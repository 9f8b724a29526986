package org.ddep.stage;

import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The lease file's storage on any Hadoop file system. Create-if-absent is atomic where the store
 * offers it: the local file system ({@code O_EXCL} through {@code CREATE_NEW}) and HDFS (the
 * NameNode refuses {@code create(overwrite = false)} of an existing path). Object stores reached
 * through Hadoop 3.3.4's s3a check for the object, then write it: two writers in the same instant
 * can both succeed, and the last write wins ({@link #atomicCreate()} is false there).
 */
final class LeaseFile {
    private final FileSystem fs;
    private final Path path;
    /** The local file, when the run directory is on {@code file:} (null otherwise). */
    private final java.nio.file.Path local;

    LeaseFile(FileSystem fs, Path path) {
        // Local files without Hadoop's .crc side files: the lease is rewritten outside Hadoop's API.
        this.fs = fs instanceof LocalFileSystem l ? l.getRaw() : fs;
        this.path = path;
        this.local = this.fs instanceof RawLocalFileSystem r ? r.pathToFile(path).toPath() : null;
    }

    String uri() {
        return path.toString();
    }

    boolean atomicCreate() {
        return local != null || "hdfs".equals(fs.getUri().getScheme());
    }

    /** Writes {@code bytes} if no lease file exists; false if one does. */
    boolean createNew(byte[] bytes) throws IOException {
        if (local != null) {
            Files.createDirectories(local.getParent());
            try (OutputStream out = Files.newOutputStream(local, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                out.write(bytes);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                return false;
            }
            return true;
        }
        try (OutputStream out = fs.create(path, false)) {
            out.write(bytes);
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        return true;
    }

    /** Replaces the lease file whole: a reader sees the old or the new content, never half of one. */
    void replace(byte[] bytes) throws IOException {
        if (local != null) {
            java.nio.file.Path tmp = local.resolveSibling("." + local.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
            Files.write(tmp, bytes);
            Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        // One PUT on an object store (atomic); on HDFS an overwrite, read with retries by the reader.
        try (OutputStream out = fs.create(path, true)) {
            out.write(bytes);
        }
    }

    /**
     * The file's content and its modification time, or empty when there is no lease file. On s3a a
     * holder's heartbeat may replace the object between the status and the read, which s3a reports
     * as a changed file (its ETag check): the read starts again and returns the newer content.
     */
    Optional<Content> read() throws IOException {
        for (int tries = 1; ; tries++) {
            try {
                long mtime = fs.getFileStatus(path).getModificationTime();
                try (InputStream in = fs.open(path)) {
                    return Optional.of(new Content(in.readAllBytes(), mtime));
                }
            } catch (FileNotFoundException e) {
                return Optional.empty();
            } catch (org.apache.hadoop.fs.s3a.RemoteFileChangedException replaced) {
                if (tries >= 5) {
                    throw replaced;
                }
            }
        }
    }

    void delete() throws IOException {
        if (local != null) {
            Files.deleteIfExists(local);
        } else {
            fs.delete(path, false);
        }
    }

    record Content(byte[] bytes, long modifiedMillis) {
    }
}
