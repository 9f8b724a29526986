package org.ddep.testing;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.ddep.prep.ImageCodec;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/** Generated classification data in ImageNet-21k's two real forms: synset folders and synset tars. */
public final class ClassFolderFixtures {
    private ClassFolderFixtures() {
    }

    /** A small random RGB picture, JPEG-encoded (deterministic per seed). */
    public static byte[] jpeg(int h, int w, long seed) {
        return ImageCodec.encodeJpeg(picture(h, w, seed));
    }

    public static byte[] png(int h, int w, long seed) {
        return ImageCodec.encodePng(picture(h, w, seed));
    }

    public static BufferedImage picture(int h, int w, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int base = r.nextInt(0xffffff);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (base + (x * 7 + y * 13) * 0x010203 + r.nextInt(32)) & 0xffffff);
            }
        }
        return img;
    }

    /** The first {@code keep} bytes of a valid JPEG: decodes to a partly grey picture with a warning. */
    public static byte[] truncatedJpeg(int h, int w, long seed) {
        byte[] full = jpeg(h, w, seed);
        return Arrays.copyOf(full, full.length / 2);
    }

    public static void write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    /** A tar of the given (name, bytes) members. */
    public static void tar(Path file, Object... namesAndBytes) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file); TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            for (int i = 0; i < namesAndBytes.length; i += 2) {
                byte[] b = (byte[]) namesAndBytes[i + 1];
                TarArchiveEntry e = new TarArchiveEntry((String) namesAndBytes[i]);
                e.setSize(b.length);
                tar.putArchiveEntry(e);
                tar.write(b);
                tar.closeArchiveEntry();
            }
        }
    }
}
