package org.ddep.prep;

/**
 * What the first and last bytes of a file say, before any decoder runs: whether OpenCV may decode
 * it without changing the verdict or the values javax.imageio would give ({@link ImageCodec}).
 */
final class ImageHeaders {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final byte[] PNG_END = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xae, 0x42, 0x60, (byte) 0x82};
    private static final int PNG_GREY = 0;
    private static final int PNG_RGB = 2;
    private static final int PNG_PALETTE = 3;

    private ImageHeaders() {
    }

    /**
     * A complete JPEG, or a complete 8-bit grey, RGB or palette PNG: OpenCV decodes these to the
     * colours javax.imageio gives. libjpeg only warns about a missing end, and OpenCV does not pass
     * the warning on, so a JPEG must end with its EOI marker and a PNG with its IEND chunk.
     */
    static boolean nativeImage(byte[] b) {
        if (ImageCodec.isJpeg(b)) {
            return jpegEnds(b);
        }
        int type = pngColourType(b);
        return pngBitDepth(b) == 8 && (type == PNG_GREY || type == PNG_RGB || type == PNG_PALETTE) && pngEnds(b);
    }

    /** A complete 8-bit grey PNG: OpenCV would turn a palette mask's indices into colours. */
    static boolean nativeMask(byte[] b) {
        return pngBitDepth(b) == 8 && pngColourType(b) == PNG_GREY && pngEnds(b);
    }

    private static boolean jpegEnds(byte[] b) {
        return b.length > 4 && (b[b.length - 2] & 0xff) == 0xff && (b[b.length - 1] & 0xff) == 0xd9;
    }

    /** IHDR is the first chunk: signature (8), length (4), "IHDR" (4), width (4), height (4), depth, colour type. */
    private static int pngBitDepth(byte[] b) {
        return isPng(b) ? b[24] & 0xff : -1;
    }

    private static int pngColourType(byte[] b) {
        return isPng(b) ? b[25] & 0xff : -1;
    }

    /** PNG's signature followed by its IHDR chunk (and room for an IEND chunk). */
    static boolean isPng(byte[] b) {
        if (b.length < 26 + PNG_END.length) {
            return false;
        }
        for (int i = 0; i < PNG_SIGNATURE.length; i++) {
            if (b[i] != PNG_SIGNATURE[i]) {
                return false;
            }
        }
        return b[12] == 'I' && b[13] == 'H' && b[14] == 'D' && b[15] == 'R';
    }

    private static boolean pngEnds(byte[] b) {
        int from = b.length - PNG_END.length;
        for (int i = 0; i < PNG_END.length; i++) {
            if (b[from + i] != PNG_END[i]) {
                return false;
            }
        }
        return true;
    }
}
