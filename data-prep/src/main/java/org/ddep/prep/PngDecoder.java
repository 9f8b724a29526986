package org.ddep.prep;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Training's decoder for the PNGs shard rows hold most often: 8-bit grey or RGB, not interlaced,
 * no transparency. The JDK's {@link Inflater} (zlib) straight into the pixel rows, each row
 * unfiltered in place (the five filters of the PNG specification). Measured per 2048x1024 RGB
 * image, side by side (docs/benchmarks.md, "PNG through the JDK's zlib"): OpenCV's libpng took 21
 * ms on an incompressible one, which zlib inflates in 2 ms (this decoder: 3.2 ms), and 47.5 ms on a
 * compressed 1/f-textured one (this decoder: 43.9 ms).
 *
 * <p>As strict as libpng: every chunk's CRC is checked, the zlib stream must end (its Adler-32
 * checked) exactly when the rows do, and an unknown filter type is damage. Anything else it
 * declines (empty), and {@link ImageCodec} goes on to OpenCV and javax.imageio, which give the
 * verdict they always gave.
 */
final class PngDecoder {
    private static final int GREY = 0;
    private static final int RGB = 2;

    private PngDecoder() {
    }

    /** Pixels, RGB or grey interleaved, or empty when this is not a PNG this decoder takes or it is damaged. */
    static Optional<NativeCodec.Decoded> decode(byte[] b) {
        try {
            return Optional.ofNullable(read(b));
        } catch (DataFormatException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static NativeCodec.Decoded read(byte[] b) throws DataFormatException {
        // signature (8), then IHDR: length (4) "IHDR" (4) width height depth colour compression filter interlace, CRC
        ByteBuffer be = ByteBuffer.wrap(b);   // big-endian, as PNG's integers are
        if (!ImageHeaders.isPng(b) || be.getInt(8) != 13 || !crcOk(be, 8, 13)) {
            return null;
        }
        long width = be.getInt(16) & 0xffffffffL;
        long height = be.getInt(20) & 0xffffffffL;
        int depth = b[24] & 0xff;
        int colour = b[25] & 0xff;
        if (depth != 8 || (colour != GREY && colour != RGB) || b[26] != 0 || b[27] != 0 || b[28] != 0) {
            return null;
        }
        int channels = colour == RGB ? 3 : 1;
        if (width == 0 || height == 0 || width * height * channels > Integer.MAX_VALUE - 8) {
            return null;
        }
        int w = (int) width;
        int h = (int) height;
        int stride = w * channels;
        byte[] out = new byte[h * stride];
        byte[] filtered = new byte[stride + 1];
        byte[] zero = new byte[stride];
        Inflater inflater = new Inflater();
        try {
            int pos = 8 + 25;
            int row = 0;
            int filled = 0;
            boolean ended = false;
            while (!ended) {
                if (pos + 12 > b.length) {
                    return null;
                }
                int len = be.getInt(pos);
                if (len < 0 || len > b.length - pos - 12 || !crcOk(be, pos, len)) {
                    return null;
                }
                if (type(b, pos + 4, "tRNS") || type(b, pos + 4, "PLTE") && colour == GREY) {
                    return null;   // transparency: javax.imageio would give an alpha channel
                }
                if (type(b, pos + 4, "IDAT")) {
                    if (inflater.finished()) {
                        return null;   // data after the end of the stream
                    }
                    inflater.setInput(b, pos + 8, len);
                    while (row < h) {
                        int n = inflater.inflate(filtered, filled, stride + 1 - filled);
                        filled += n;
                        if (filled == stride + 1) {
                            if (!unfilter(filtered, out, row, stride, channels, zero)) {
                                return null;
                            }
                            row++;
                            filled = 0;
                        } else if (n == 0) {
                            if (inflater.finished() || inflater.needsDictionary()) {
                                return null;   // the stream ended before the rows did
                            }
                            break;   // needs the next IDAT chunk
                        }
                    }
                    if (row == h && !finish(inflater)) {
                        return null;
                    }
                }
                ended = type(b, pos + 4, "IEND");
                pos += 12 + len;
            }
            return row == h && inflater.finished() ? new NativeCodec.Decoded(h, w, channels, out) : null;
        } finally {
            inflater.end();
        }
    }

    /** After the last row the stream must end, which makes the Inflater check its Adler-32; no data may follow. */
    private static boolean finish(Inflater inflater) throws DataFormatException {
        byte[] extra = new byte[1];
        while (!inflater.finished()) {
            if (inflater.inflate(extra) > 0 || inflater.needsDictionary()) {
                return false;
            }
            if (inflater.needsInput()) {
                return true;   // the stream's end is in the next IDAT chunk: checked when it comes
            }
        }
        return inflater.getRemaining() == 0;
    }

    /**
     * One row: filter type byte, then the filtered bytes, reconstructed into {@code out}'s row
     * {@code y}. The row above is {@code zero} for the first row, so the loops need no test for it,
     * and the first pixel of a row (no left neighbour) is done apart from the rest.
     */
    private static boolean unfilter(byte[] f, byte[] out, int y, int stride, int bpp, byte[] zero) {
        int o = y * stride;
        byte[] up = y == 0 ? zero : out;
        int u = y == 0 ? 0 : o - stride;
        switch (f[0]) {
            case 0 -> System.arraycopy(f, 1, out, o, stride);
            case 1 -> sub(f, out, o, stride, bpp);
            case 2 -> {
                for (int i = 0; i < stride; i++) {
                    out[o + i] = (byte) (f[i + 1] + up[u + i]);
                }
            }
            case 3 -> average(f, out, o, up, u, stride, bpp);
            case 4 -> {
                if (bpp == 3) {
                    paeth3(f, out, o, up, u, stride);
                } else {
                    paeth1(f, out, o, up, u, stride);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Sub: each byte plus the one a pixel to its left, carried in a local per channel (not reloaded
     * from the row). Grey has a loop of its own: run through the strided loop, Sub on a 2048x1024
     * mask took 6.8 ms against 4.7 (5 rounds side by side, ranges under 0.3 ms).
     */
    private static void sub(byte[] f, byte[] out, int o, int stride, int bpp) {
        if (bpp == 1) {
            int a = 0;
            for (int i = 0; i < stride; i++) {
                a = (f[i + 1] + a) & 0xff;
                out[o + i] = (byte) a;
            }
            return;
        }
        for (int k = 0; k < bpp; k++) {
            int a = 0;
            for (int i = k; i < stride; i += bpp) {
                a = (f[i + 1] + a) & 0xff;
                out[o + i] = (byte) a;
            }
        }
    }

    /** Average: each byte plus the floor of the mean of its left and upper neighbours. */
    private static void average(byte[] f, byte[] out, int o, byte[] up, int u, int stride, int bpp) {
        for (int k = 0; k < bpp; k++) {
            int a = 0;
            for (int i = k; i < stride; i += bpp) {
                a = (f[i + 1] + ((a + (up[u + i] & 0xff)) >>> 1)) & 0xff;
                out[o + i] = (byte) a;
            }
        }
    }

    /**
     * The Paeth predictor without branches (which byte wins is as good as random on a photograph, so
     * a branch per byte is mispredicted about half the time): a if pa <= pb and pa <= pc, else b if
     * pb <= pc, else c.
     */
    private static int paeth(int a, int b, int c) {
        int pa = Math.abs(b - c);
        int pb = Math.abs(a - c);
        int pc = Math.abs(a + b - c - c);
        int notA = ((pb - pa) | (pc - pa)) >> 31;
        int cOverB = (pc - pb) >> 31;
        int bOrC = b & ~cOverB | c & cOverB;
        return a & ~notA | bOrC & notA;
    }

    /** Paeth on grey rows: the left and upper-left bytes carried in locals, not reloaded from the row just written. */
    private static void paeth1(byte[] f, byte[] out, int o, byte[] up, int u, int stride) {
        int a = (f[1] + up[u]) & 0xff;   // no left or upper-left: the predictor is the byte above
        out[o] = (byte) a;
        int c = up[u] & 0xff;
        for (int i = 1; i < stride; i++) {
            int b = up[u + i] & 0xff;
            a = (f[i + 1] + paeth(a, b, c)) & 0xff;
            out[o + i] = (byte) a;
            c = b;
        }
    }

    /**
     * Paeth on RGB rows, a pixel (three independent bytes) per step. A channel at a time, as
     * {@link #average} goes, took 49.7 ms against 43.8 on a 2048x1024 Paeth-filtered image (5 rounds
     * side by side, ranges under 0.8 ms).
     */
    private static void paeth3(byte[] f, byte[] out, int o, byte[] up, int u, int stride) {
        int a0 = (f[1] + up[u]) & 0xff;
        int a1 = (f[2] + up[u + 1]) & 0xff;
        int a2 = (f[3] + up[u + 2]) & 0xff;
        out[o] = (byte) a0;
        out[o + 1] = (byte) a1;
        out[o + 2] = (byte) a2;
        int c0 = up[u] & 0xff;
        int c1 = up[u + 1] & 0xff;
        int c2 = up[u + 2] & 0xff;
        for (int i = 3; i + 2 < stride; i += 3) {
            int b0 = up[u + i] & 0xff;
            int b1 = up[u + i + 1] & 0xff;
            int b2 = up[u + i + 2] & 0xff;
            a0 = (f[i + 1] + paeth(a0, b0, c0)) & 0xff;
            a1 = (f[i + 2] + paeth(a1, b1, c1)) & 0xff;
            a2 = (f[i + 3] + paeth(a2, b2, c2)) & 0xff;
            out[o + i] = (byte) a0;
            out[o + i + 1] = (byte) a1;
            out[o + i + 2] = (byte) a2;
            c0 = b0;
            c1 = b1;
            c2 = b2;
        }
    }

    private static boolean crcOk(ByteBuffer be, int chunk, int len) {
        CRC32 crc = new CRC32();
        crc.update(be.array(), chunk + 4, len + 4);
        return (int) crc.getValue() == be.getInt(chunk + 8 + len);
    }

    private static boolean type(byte[] b, int at, String name) {
        return b[at] == name.charAt(0) && b[at + 1] == name.charAt(1) && b[at + 2] == name.charAt(2) && b[at + 3] == name.charAt(3);
    }
}
