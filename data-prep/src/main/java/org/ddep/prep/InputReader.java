package org.ddep.prep;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The executor side of prep: reads each input (a file, or every member of a class tar streamed
 * without unpacking), decodes and validates it, maps mask values to train ids, optionally resizes,
 * and yields one {@link Outcome} per image: a shard record with its statistics, or a skip.
 */
final class InputReader implements Serializable {
    private final HadoopConf conf;
    private final LabelMap map;
    private final String rootUri;
    private final Resize resize;
    private final PixelStorage pixels;

    InputReader(HadoopConf conf, LabelMap map, String rootUri, Resize resize, PixelStorage pixels) {
        this.conf = conf;
        this.map = map;
        this.rootUri = rootUri.endsWith("/") ? rootUri : rootUri + "/";
        this.resize = resize;
        this.pixels = pixels;
    }

    /** What became of one image: a record (with its statistics) or a skip. */
    static final class Outcome implements Serializable {
        String split;
        String sourcePath;
        String maskPath;
        ShardRecord record;
        ImageStats stats;
        Skip skip;
        int outOfRange;

        static Outcome skip(String split, String path, String reason) {
            Outcome o = new Outcome();
            o.split = split;
            o.sourcePath = path;
            o.skip = new Skip(path, reason);
            return o;
        }
    }

    Iterator<Outcome> readAll(Iterator<SourceItem> items) throws IOException {
        FileSystem fs = new Path(rootUri).getFileSystem(conf.get());
        return Iterators.flatMap(items, item -> item.archive() ? new TarMembers(fs, item) : List.of(read(fs, item)).iterator());
    }

    private Outcome read(FileSystem fs, SourceItem item) {
        byte[] image;
        byte[] mask = null;
        try {
            image = bytes(fs, item.imagePath());
        } catch (IOException e) {
            return Outcome.skip(item.split(), item.imagePath(), "unreadable file: " + e.getMessage());
        }
        if (item.maskPath() != null) {
            try {
                mask = bytes(fs, item.maskPath());
            } catch (IOException e) {
                return Outcome.skip(item.split(), item.maskPath(), "unreadable file: " + e.getMessage());
            }
        }
        return decode(item.split(), item.id(), item.imagePath(), image, item.maskPath(), mask, item.label());
    }

    Outcome decode(String split, String id, String path, byte[] image, String maskPath, byte[] maskBytes, Integer label) {
        Pixels decoded;
        try {
            decoded = ImageCodec.decodeChecked(image);   // the damage verdict: see decodeChecked
        } catch (IOException e) {
            return Outcome.skip(split, path, "corrupt image: " + e.getMessage());
        }
        int h = decoded.height();
        int w = decoded.width();
        ImageCodec.Mask mask = null;
        Outcome o = new Outcome();
        o.split = split;
        o.sourcePath = path;
        o.maskPath = maskPath;
        if (maskBytes != null) {
            try {
                mask = ImageCodec.decodeMask(maskBytes);
            } catch (ImageCodec.NotAMaskException e) {
                return Outcome.skip(split, maskPath, "colour mask: " + e.getMessage());
            } catch (IOException e) {
                return Outcome.skip(split, maskPath, "corrupt mask: " + e.getMessage());
            }
            if (mask.height() != h || mask.width() != w) {
                return Outcome.skip(split, maskPath, String.format("size mismatch: image %dx%d, mask %dx%d",
                        h, w, mask.height(), mask.width()));
            }
            o.outOfRange = map.apply(mask.values());
        }
        int[] size = resize.target(h, w);
        boolean resized = size[0] != h || size[1] != w;
        if (resized) {
            decoded = Resize.image(decoded, size[0], size[1]);
            if (pixels == PixelStorage.ENCODED) {
                image = ImageCodec.isJpeg(image) ? ImageCodec.encodeJpeg(decoded) : ImageCodec.encodePng(decoded);
            }
            mask = mask == null ? null : Resize.mask(mask, size[0], size[1]);
            h = size[0];
            w = size[1];
        }
        if (pixels == PixelStorage.RAW) {
            image = RawPixels.of(decoded);
        }
        byte[] maskPng = mask == null ? null : pixels == PixelStorage.RAW ? RawPixels.of(mask) : ImageCodec.encodeMask(mask);
        o.stats = new ImageStats();
        if (mask != null) {
            o.stats.addMask(mask.values(), o.outOfRange);
        }
        o.stats.add(decoded, image.length + (maskPng == null ? 0 : maskPng.length));
        o.stats.resized += resized ? 1 : 0;
        String source = path.startsWith(rootUri) ? path.substring(rootUri.length()) : path;
        o.record = new ShardRecord(id, image, h, w, maskPng, label, LabelKey.of(id), source);
        return o;
    }

    private static byte[] bytes(FileSystem fs, String path) throws IOException {
        try (InputStream in = fs.open(new Path(path))) {
            return in.readAllBytes();
        }
    }

    /** The images of one class tar, read lazily from the stream; a damaged tar ends with one skip. */
    private final class TarMembers implements Iterator<Outcome> {
        private final SourceItem item;
        private TarArchiveInputStream tar;
        private Outcome next;
        private int members;

        TarMembers(FileSystem fs, SourceItem item) {
            this.item = item;
            try {
                tar = new TarArchiveInputStream(fs.open(new Path(item.imagePath())));
            } catch (IOException e) {
                next = Outcome.skip(item.split(), item.imagePath(), "unreadable archive: " + e.getMessage());
            }
        }

        @Override
        public boolean hasNext() {
            if (next == null && tar != null) {
                next = advance();
            }
            return next != null;
        }

        @Override
        public Outcome next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Outcome o = next;
            next = null;
            return o;
        }

        private Outcome advance() {
            try {
                TarArchiveEntry e;
                while ((e = tar.getNextTarEntry()) != null) {
                    if (!e.isFile()) {
                        continue;
                    }
                    members++;
                    String member = e.getName().substring(e.getName().lastIndexOf('/') + 1);
                    String where = item.imagePath() + "!/" + e.getName();
                    if (!Files.isImageName(member)) {
                        return Outcome.skip(item.split(), where, "not an image file: " + member);
                    }
                    byte[] bytes = tar.readAllBytes();
                    return decode(item.split(), item.id() + "/" + Files.stem(member), where, bytes, null, null, item.label());
                }
                close();
                return members == 0 ? Outcome.skip(item.split(), item.imagePath(), "empty class folder: archive has no files")
                        : null;
            } catch (IOException | RuntimeException ex) {
                close();
                return Outcome.skip(item.split(), item.imagePath(), "unreadable archive after " + members + " member(s): "
                        + ex.getMessage());
            }
        }

        private void close() {
            try {
                tar.close();
            } catch (IOException ignored) {
                // reading is over either way
            }
            tar = null;
        }
    }
}
