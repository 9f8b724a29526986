package org.ddep.prep;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.leptonica.PIX;

import java.util.Optional;

import static org.bytedeco.leptonica.global.lept.L_SEVERITY_NONE;
import static org.bytedeco.leptonica.global.lept.lept_free;
import static org.bytedeco.leptonica.global.lept.pixCreateNoInit;
import static org.bytedeco.leptonica.global.lept.pixDestroy;
import static org.bytedeco.leptonica.global.lept.pixGetData;
import static org.bytedeco.leptonica.global.lept.pixReadMemJpeg;
import static org.bytedeco.leptonica.global.lept.pixWriteMemJpeg;
import static org.bytedeco.leptonica.global.lept.readHeaderMemJpeg;
import static org.bytedeco.leptonica.global.lept.setMsgSeverity;

/**
 * JPEG through leptonica's libjpeg-turbo, the build in DL4J's dependency tree
 * ({@code org.bytedeco:leptonica}, via datavec-data-image) that carries libjpeg-turbo's SIMD code;
 * OpenCV's does not. It is prep's JPEG decoder and encoder, for two reasons:
 * <ul>
 *   <li>it reports damage: leptonica fails a read on any libjpeg warning (a file cut short, a corrupt
 *   entropy segment, also when a tool closed the cut file with an end marker) unless asked to go on,
 *   and returns the warning count, where OpenCV decodes the readable part without a word;</li>
 *   <li>speed, per 500x375 JPEG on one thread: decode to RGB about 2.5 ms against 6 ms for
 *   javax.imageio and its conversion to RGB, encode at 341x256 about 1.0 ms against OpenCV's 1.7
 *   (docs/benchmarks.md, "Prep throughput").</li>
 * </ul>
 * Leptonica's 32-bit pixels are words {@code 0xRRGGBBAA}; grey JPEGs come back as 8-bit pixels,
 * four to a word, the leftmost in the high byte. Every PIX and every encoded buffer is freed before
 * the call returns; calls share nothing, so any number of threads may run them.
 */
final class LeptonicaJpeg {
    static {
        // Leptonica's own messages would repeat, on stderr, every verdict ImageCodec already reports.
        setMsgSeverity(L_SEVERITY_NONE);
    }

    private LeptonicaJpeg() {
    }

    /**
     * The pixels of a clean JPEG with one (grey) or three (YCbCr or RGB) components, or empty: for a
     * file libjpeg warned about or could not read, and for CMYK/YCCK, whose colours javax.imageio
     * computes differently, so that the caller asks javax.imageio for the verdict and the reason.
     * Grey comes back one byte per pixel ({@code channels == 1}).
     */
    static Optional<NativeCodec.Decoded> decode(byte[] bytes) {
        int[] w = new int[1];
        int[] h = new int[1];
        int[] spp = new int[1];
        int[] ycck = new int[1];
        int[] cmyk = new int[1];
        if (readHeaderMemJpeg(bytes, bytes.length, w, h, spp, ycck, cmyk) != 0 || ycck[0] != 0 || cmyk[0] != 0
                || (spp[0] != 1 && spp[0] != 3)) {
            return Optional.empty();
        }
        int[] warnings = new int[1];
        PIX pix = pixReadMemJpeg(bytes, bytes.length, 0, 1, warnings, 0);
        if (pix == null) {
            return Optional.empty();
        }
        try {
            int width = pix.w();
            int height = pix.h();
            int depth = pix.d();
            int wpl = pix.wpl();
            if (warnings[0] != 0 || (depth != 32 && depth != 8)) {
                return Optional.empty();
            }
            int[] words = new int[wpl * height];
            pixGetData(pix).get(words);
            int channels = depth == 32 ? 3 : 1;
            byte[] out = new byte[channels * width * height];
            int o = 0;
            for (int y = 0; y < height; y++) {
                int row = y * wpl;
                if (channels == 3) {
                    for (int x = 0; x < width; x++) {
                        int v = words[row + x];
                        out[o] = (byte) (v >>> 24);
                        out[o + 1] = (byte) (v >>> 16);
                        out[o + 2] = (byte) (v >>> 8);
                        o += 3;
                    }
                } else {
                    for (int x = 0; x < width; x++) {
                        out[o++] = (byte) (words[row + (x >> 2)] >>> (24 - 8 * (x & 3)));
                    }
                }
            }
            return Optional.of(new NativeCodec.Decoded(height, width, channels, out));
        } finally {
            pixDestroy(pix);
        }
    }

    /** RGB pixels as a baseline JPEG at {@code quality} (libjpeg's scale), 4:2:0 chroma as libjpeg's default. */
    static byte[] encode(Pixels p, int quality) {
        int width = p.width();
        int height = p.height();
        PIX pix = pixCreateNoInit(width, height, 32);
        if (pix == null) {
            throw new IllegalStateException("leptonica could not allocate a " + height + "x" + width + " image");
        }
        BytePointer data = new BytePointer((Pointer) null);
        try (SizeTPointer size = new SizeTPointer(1)) {
            int wpl = pix.wpl();
            int[] words = new int[wpl * height];
            byte[] rgb = p.rgb();
            int i = 0;
            for (int y = 0; y < height; y++) {
                int row = y * wpl;
                for (int x = 0; x < width; x++) {
                    words[row + x] = (rgb[i] & 0xff) << 24 | (rgb[i + 1] & 0xff) << 16 | (rgb[i + 2] & 0xff) << 8;
                    i += 3;
                }
            }
            IntPointer target = pixGetData(pix);
            target.put(words);
            if (pixWriteMemJpeg(data, size, pix, quality, 0) != 0 || data.isNull()) {
                throw new IllegalStateException("leptonica could not encode a " + height + "x" + width + " image as JPEG");
            }
            byte[] out = new byte[(int) size.get()];
            data.capacity(out.length).get(out);
            return out;
        } finally {
            if (!data.isNull()) {
                lept_free(data);
            }
            pixDestroy(pix);
        }
    }
}
