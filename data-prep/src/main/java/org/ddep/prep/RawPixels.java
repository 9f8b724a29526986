package org.ddep.prep;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Decoded pixels stored as they are, for shards whose images are read many more times than they are
 * written ({@code pixels = raw} on a prep source): a segmentation set is re-read every fine-tuning
 * epoch, and decoding a JPEG or PNG costs more than everything else that turns a row into an example
 * (docs/benchmarks.md, "Training input per core"). The bytes are a 13-byte header, then the pixels
 * row-major and interleaved: {@code "DDPX"}, one byte of channels (3 = RGB, 1 = a mask's train ids),
 * the height and the width as big-endian ints. No JPEG or PNG starts with {@code "DDPX"}, so a reader
 * tells the storage from the bytes alone, and shards of both kinds read the same way. Parquet's own
 * compression applies on top.
 */
public final class RawPixels {
    static final int HEADER = 13;
    private static final byte[] MAGIC = {'D', 'D', 'P', 'X'};

    private RawPixels() {
    }

    /** Whether {@code bytes} are raw pixels (by their magic; the length is checked on decoding). */
    public static boolean is(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    public static byte[] of(Pixels p) {
        return pack(3, p.height(), p.width(), p.rgb());
    }

    /** A mask's train ids (0..255), one byte each. */
    public static byte[] of(ImageCodec.Mask m) {
        return pack(1, m.height(), m.width(), m.bytes());
    }

    static Pixels pixels(byte[] bytes) throws IOException {
        ByteBuffer b = check(bytes, 3, "an RGB image");
        byte[] rgb = new byte[bytes.length - HEADER];
        System.arraycopy(bytes, HEADER, rgb, 0, rgb.length);
        return new Pixels(b.getInt(5), b.getInt(9), rgb);
    }

    static ImageCodec.Mask mask(byte[] bytes) throws IOException {
        ByteBuffer b = check(bytes, 1, "a mask");
        int[] v = new int[bytes.length - HEADER];
        for (int i = 0; i < v.length; i++) {
            v[i] = bytes[HEADER + i] & 0xff;
        }
        return new ImageCodec.Mask(b.getInt(5), b.getInt(9), v);
    }

    private static ByteBuffer check(byte[] bytes, int channels, String what) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int c = b.get(4);
        long h = b.getInt(5);
        long w = b.getInt(9);
        if (c != channels) {
            String msg = "raw pixels with " + c + " channels where " + what + " has " + channels;
            throw channels == 1 && c == 3 ? new ImageCodec.NotAMaskException(msg) : new IOException(msg);
        }
        if (h <= 0 || w <= 0 || bytes.length - HEADER != h * w * c) {
            throw new IOException(String.format("raw pixels of %dx%dx%d need %d bytes after the header, found %d "
                    + "(truncated or damaged)", h, w, c, h * w * c, bytes.length - HEADER));
        }
        return b;
    }

    private static byte[] pack(int channels, int h, int w, byte[] px) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + px.length);
        b.put(MAGIC).put((byte) channels).putInt(h).putInt(w).put(px);
        return b.array();
    }
}
