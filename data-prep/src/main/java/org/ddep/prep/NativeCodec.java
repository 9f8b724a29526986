package org.ddep.prep;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import java.util.Optional;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

/**
 * OpenCV's codecs (libjpeg-turbo, libpng) and resize, as DL4J already ships them. Every native Mat
 * lives inside one {@link PointerScope} per call and is freed when the call returns, so millions of
 * images on an executor leave no native memory behind; nothing is shared between calls, so any
 * number of threads may decode at once.
 */
final class NativeCodec {
    static {
        // Executors already decode on every core; OpenCV's own thread pool would only oversubscribe them.
        opencv_core.setNumThreads(1);
    }

    private NativeCodec() {
    }

    /**
     * 8-bit pixels with 1 (grey) or 3 (RGB) channels, or empty when OpenCV cannot decode the bytes
     * or decodes them to anything else (16-bit, alpha). {@code IMREAD_UNCHANGED} also leaves JPEG EXIF
     * orientation unapplied, as javax.imageio does. Grey comes back as one byte per pixel.
     */
    static Optional<Decoded> decode(byte[] bytes) {
        try (PointerScope scope = new PointerScope()) {
            Mat m = imdecode(new Mat(new BytePointer(bytes)), IMREAD_UNCHANGED);
            if (m.empty() || m.depth() != opencv_core.CV_8U || (m.channels() != 1 && m.channels() != 3)) {
                return Optional.empty();
            }
            int n = m.rows() * m.cols() * m.channels();
            byte[] out = new byte[n];
            Mat src = m;
            if (m.channels() == 3) {
                src = new Mat();
                cvtColor(m, src, COLOR_BGR2RGB);
            }
            src.data().get(out, 0, n);
            return Optional.of(new Decoded(m.rows(), m.cols(), m.channels(), out));
        }
    }

    /** Decoded bytes: {@code channels} interleaved per pixel, RGB order for three. */
    record Decoded(int height, int width, int channels, byte[] data) {
    }

    static byte[] encodePng(Pixels p) {
        try (PointerScope scope = new PointerScope()) {
            Mat bgr = new Mat();
            cvtColor(mat(p), bgr, COLOR_RGB2BGR);
            return encode(".png", bgr);
        }
    }

    /** An 8-bit grey PNG of row-major values in 0..255. */
    static byte[] encodeGreyPng(int height, int width, byte[] values) {
        try (PointerScope scope = new PointerScope()) {
            Mat grey = new Mat(height, width, opencv_core.CV_8UC1, new BytePointer(values));
            return encode(".png", grey);
        }
    }

    /** Resized with area averaging when shrinking (no aliasing), bilinear when enlarging. */
    static Pixels resize(Pixels p, int h, int w) {
        try (PointerScope scope = new PointerScope()) {
            Mat out = new Mat();
            boolean shrink = h <= p.height() && w <= p.width();
            opencv_imgproc.resize(mat(p), out, new Size(w, h), 0, 0, shrink ? INTER_AREA : INTER_LINEAR);
            byte[] rgb = new byte[3 * h * w];
            out.data().get(rgb, 0, rgb.length);
            return new Pixels(h, w, rgb);
        }
    }

    private static Mat mat(Pixels p) {
        return new Mat(p.height(), p.width(), opencv_core.CV_8UC3, new BytePointer(p.rgb()));
    }

    private static byte[] encode(String ext, Mat m) {
        BytePointer buf = new BytePointer();
        try {
            if (!imencode(ext, m, buf)) {
                throw new IllegalStateException("OpenCV could not encode a " + m.rows() + "x" + m.cols() + " image as " + ext);
            }
            byte[] out = new byte[(int) buf.limit()];
            buf.get(out);
            return out;
        } finally {
            // The encoded buffer is allocated by the call, after the scope registered its pointer.
            buf.deallocate();
        }
    }
}
