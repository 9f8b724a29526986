package org.ddep.eval;

import org.ddep.model.EncoderSplit;
import org.ddep.noise.DenoisingObjective;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Which of the frozen encoder's features a denoising-pretrained decoder uses: its denoising loss
 * with the features it reads set to zero, one at a time, then every skip (only the deepest kept), then
 * all of them, over the same noisy images. A feature the decoder ignores leaves the loss unchanged; one
 * it cannot do without raises it towards the loss of predicting zero. DDeP's premise is that denoising
 * over a strong frozen encoder teaches the decoder to use the encoder's deep features; a decoder that
 * denoises from the full-resolution skip alone has learnt a local filter instead.
 */
public final class DecoderPaths {
    private DecoderPaths() {
    }

    /**
     * One row: which features were zeroed, the mean squared error of the prediction against the
     * objective's target, and the same with zero predicted (the loss of a denoiser that does nothing).
     */
    public record Cut(String name, String features, double loss, double zeroPrediction) {
        /** The loss relative to predicting zero: 0 a perfect denoiser, 1 no better than doing nothing. */
        public double relative() {
            return loss / zeroPrediction;
        }
    }

    /** An encoder feature the decoder reads: its vertex, channels and resolution relative to the image. */
    public record Feature(String vertex, long channels, long height, int imageSize) {
        /** The resolution relative to the image: "1/1" for full resolution, "1/8" for an eighth. */
        public String scale() {
            return "1/" + Math.round((double) imageSize / height);
        }
    }

    /** The measurement: the features in the model's order (deepest marked) and one cut per row. */
    public record Result(List<Feature> features, int deepest, int images, List<Cut> cuts) {
    }

    /**
     * Measures {@code denoiser} (a whole denoising model: encoder, decoder and noise head; its encoder may
     * be frozen) on {@code count} clean images ({@code size} x {@code size}, CHW in [-1, 1]; {@code image}
     * is asked for each once, in order, so only one batch of them is ever decoded) corrupted by
     * {@code objective} with noise drawn from {@code seed}; every cut sees the same noisy images. Runs in
     * inference mode, {@code batch} images at a time: the encoder once per batch, the decoder once per cut.
     * Every array of a batch is freed before the next, and the encoder and decoder copies at the end.
     */
    public static Result measure(ComputationGraph denoiser, int count, IntFunction<float[]> image, int size,
                                 DenoisingObjective objective, long seed, int batch) {
        if (count <= 0) {
            throw new IllegalArgumentException("no images to measure the decoder's paths on");
        }
        EncoderSplit split = new EncoderSplit(denoiser.getConfiguration());
        ComputationGraph encoder = split.encoder(denoiser);
        ComputationGraph decoder = split.decoder(denoiser);
        try {
            List<String> names = split.features();
            int n = names.size();
            SplittableRandom rnd = new SplittableRandom(seed);
            List<Feature> features = null;
            int deepest = -1;
            List<Set<Integer>> cuts = null;
            double[] sse = null;
            double zero = 0;
            int px = 3 * size * size;
            for (int from = 0; from < count; from += batch) {
                int b = Math.min(batch, count - from);
                float[] in = new float[b * px];
                float[] target = new float[b * px];
                for (int i = 0; i < b; i++) {
                    DenoisingObjective.Example e = objective.corrupt(image.apply(from + i), rnd);
                    System.arraycopy(e.input(), 0, in, i * px, px);
                    System.arraycopy(e.target(), 0, target, i * px, px);
                }
                List<INDArray> batchArrays = new ArrayList<>();
                try {
                    INDArray x = keep(batchArrays, Nd4j.create(in, new long[]{b, 3, size, size}, 'c'));
                    INDArray t = keep(batchArrays, Nd4j.create(target, new long[]{b, 3, size, size}, 'c'));
                    INDArray[] f = encoder.output(false, x);
                    batchArrays.addAll(List.of(f));
                    if (features == null) {
                        features = new ArrayList<>();
                        for (int i = 0; i < n; i++) {
                            features.add(new Feature(names.get(i), f[i].size(1), f[i].size(2), size));
                        }
                        deepest = deepest(features);
                        cuts = cuts(n, deepest);
                        sse = new double[cuts.size()];
                    }
                    INDArray[] zeros = new INDArray[n];
                    for (int k = 0; k < cuts.size(); k++) {
                        INDArray[] fed = new INDArray[n];
                        for (int i = 0; i < n; i++) {
                            if (cuts.get(k).contains(i) && zeros[i] == null) {
                                zeros[i] = keep(batchArrays, Nd4j.zerosLike(f[i]));
                            }
                            fed[i] = cuts.get(k).contains(i) ? zeros[i] : f[i];
                        }
                        INDArray out = keep(batchArrays, decoder.output(false, fed)[0]);
                        sse[k] += out.squaredDistance(t);
                    }
                    double norm = t.norm2Number().doubleValue();
                    zero += norm * norm;
                } finally {
                    batchArrays.stream().filter(a -> a != null && a.closeable()).forEach(INDArray::close);
                }
            }
            long values = (long) count * px;
            List<Cut> rows = new ArrayList<>();
            for (int k = 0; k < cuts.size(); k++) {
                rows.add(new Cut(name(cuts.get(k), features, deepest), describe(cuts.get(k), features), sse[k] / values,
                        zero / values));
            }
            return new Result(List.copyOf(features), deepest, count, List.copyOf(rows));
        } finally {
            encoder.close();
            decoder.close();
        }
    }

    private static INDArray keep(List<INDArray> arrays, INDArray a) {
        arrays.add(a);
        return a;
    }

    /** The feature of lowest resolution; of several, the last in the model's order (the decoder's first input). */
    static int deepest(List<Feature> features) {
        int d = 0;
        for (int i = 1; i < features.size(); i++) {
            if (features.get(i).height() <= features.get(d).height()) {
                d = i;
            }
        }
        return d;
    }

    /** None; each feature alone; with more than two, every one but the deepest; with more than one, all: n + 3 for n > 2. */
    private static List<Set<Integer>> cuts(int n, int deepest) {
        List<Set<Integer>> out = new ArrayList<>();
        out.add(Set.of());
        for (int i = 0; i < n; i++) {
            out.add(Set.of(i));
        }
        if (n > 2) {
            out.add(IntStream.range(0, n).filter(i -> i != deepest).boxed().collect(Collectors.toUnmodifiableSet()));
        }
        if (n > 1) {
            out.add(IntStream.range(0, n).boxed().collect(Collectors.toUnmodifiableSet()));
        }
        return out;
    }

    private static String name(Set<Integer> cut, List<Feature> features, int deepest) {
        if (cut.isEmpty()) {
            return "none";
        }
        if (cut.size() == features.size()) {
            return "all features";
        }
        if (cut.size() == 1) {
            int i = cut.iterator().next();
            return i == deepest ? "deepest features" : "skip at " + features.get(i).scale();
        }
        return "every skip (deepest kept)";
    }

    private static String describe(Set<Integer> cut, List<Feature> features) {
        return cut.stream().sorted().map(i -> features.get(i).vertex()).collect(Collectors.joining(" "));
    }
}
