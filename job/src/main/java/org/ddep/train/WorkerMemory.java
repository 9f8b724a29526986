package org.ddep.train;

/**
 * An ESTIMATE of one worker's memory during a training step, for {@code ddep plan}: the model's
 * state (the trainable parameters, their broadcast copy, gradients and Adam's two moments, and one copy
 * of a frozen encoder, 4 bytes each) plus activations that grow with the images in the minibatch. The activation
 * bytes per input pixel come from the peak resident memory measured on CPU in docs/benchmarks.md
 * (one JVM, DL4J/ND4J 1.0.0-M2.1), less the model state of the measured model; they scale linearly
 * with pixels, which understates attention at large inputs (its matrices grow with the square of
 * the token count). Not a measurement of the configuration asked about.
 */
public record WorkerMemory(long stateBytes, long activationBytes) {
    private static final long FLOAT = 4;

    /** Activation bytes per input pixel, by model and by whether the encoder trains. */
    public enum Reference {
        // UNet base 32, depth 4 (7.77M parameters), 64x64, batch 16: 902 MB denoising, 1139 MB fine-tuning.
        UNET_FROZEN_ENCODER(902e6, 7.77e6, 16, 64),
        UNET_TRAINABLE(1139e6, 7.77e6, 16, 64),
        // TransUNet (peer variant), 224x224: memory each image of batch adds, measured by step-benchmark
        // (docs/benchmarks.md, "Memory per image of batch"): denoising with the encoder's features by
        // inference, 206 MB (batch 1 to 8, the larger of the measured slopes); fine-tuning 590 MB (1 to 4).
        TRANSUNET_FROZEN_ENCODER(206e6, 224),
        TRANSUNET_TRAINABLE(590e6, 224);

        final double perPixel;
        final String source;

        Reference(double peakBytes, double parameters, int batch, int side) {
            this.perPixel = Math.max(0, peakBytes - 4 * FLOAT * parameters) / ((double) batch * side * side);
            this.source = String.format("%.1f GB peak at %dx%d, batch %d", peakBytes / 1e9, side, side, batch);
        }

        /** From the measured memory one image of batch adds at {@code side} x {@code side}. */
        Reference(double bytesPerImage, int side) {
            this.perPixel = bytesPerImage / ((double) side * side);
            this.source = String.format("%.0f MB per image of batch at %dx%d", bytesPerImage / 1e6, side, side);
        }

        public static Reference of(boolean transUnet, boolean encoderTrains) {
            return transUnet ? (encoderTrains ? TRANSUNET_TRAINABLE : TRANSUNET_FROZEN_ENCODER)
                    : (encoderTrains ? UNET_TRAINABLE : UNET_FROZEN_ENCODER);
        }

        public String source() {
            return source;
        }
    }

    public static WorkerMemory estimate(long parameters, long trainable, int batchPerWorker, int side, Reference ref) {
        // Trainable: parameters, the round's broadcast copy, gradient, Adam's two moments. A frozen encoder
        // (EncoderSplit): one copy, broadcast once and shared by the worker's encoder instances.
        long state = FLOAT * ((parameters - trainable) + 5 * trainable);
        long activations = (long) (ref.perPixel * batchPerWorker * (double) side * side);
        return new WorkerMemory(state, activations);
    }

    public long total() {
        return stateBytes + activationBytes;
    }
}
