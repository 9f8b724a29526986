package org.ddep.bench;

import org.ddep.config.ConfigLoader;
import org.ddep.config.DdepConfig;
import org.ddep.config.TransUnetSpec;
import org.ddep.model.Head;
import org.ddep.model.ModelFactory;
import org.ddep.model.Weights;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The paper TransUNet's decoder-denoising and fine-tune steps with the encoder computing the
 * checkpoint's function ({@code jax}) and TransUNet's PyTorch port, in one JVM, alternated step by
 * step so that both see the same machine load (a benchmark, not a test). Prints one JSON line per
 * step kind with the median seconds per step of each convention and their ratio.
 * Usage: ConventionBenchmark IMG BATCH ROUNDS
 */
public final class ConventionBenchmark {
    public static void main(String[] a) {
        int img = Integer.parseInt(a[0]);
        int batch = Integer.parseInt(a[1]);
        int rounds = Integer.parseInt(a[2]);
        for (boolean denoise : new boolean[]{true, false}) {
            ComputationGraph[] nets = new ComputationGraph[2];
            String[] names = {TransUnetSpec.JAX, TransUnetSpec.TRANSUNET_PYTORCH};
            for (int i = 0; i < 2; i++) {
                DdepConfig c = ConfigLoader.load(null, List.of("model.arch=transunet", "model.transunet.convention=" + names[i]));
                ComputationGraph net = ModelFactory.create(c.model(), denoise ? Head.denoise() : Head.segment(19),
                        new CosineDecay(1e-4, 1_000_000), 0);
                nets[i] = denoise ? Weights.freezeUpTo(net, ModelFactory.encoderBoundary(c.model())) : net;
            }
            MultiDataSet ds = TrainStepBenchmark.batch(denoise, batch, img, 19, 0);
            for (ComputationGraph n : nets) {
                n.fit(ds);   // warm-up
            }
            List<List<Double>> secs = List.of(new ArrayList<>(), new ArrayList<>());
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < 2; i++) {
                    long t = System.nanoTime();
                    nets[i].fit(ds);
                    secs.get(i).add((System.nanoTime() - t) / 1e9);
                }
            }
            double jax = median(secs.get(0));
            double port = median(secs.get(1));
            List<Double> pairs = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                pairs.add(secs.get(0).get(r) / secs.get(1).get(r));
            }
            System.out.printf(Locale.ROOT, "{\"step\":\"%s\",\"img\":%d,\"batch\":%d,\"rounds\":%d,\"jax_s\":%.3f,"
                            + "\"port_s\":%.3f,\"pair_ratio_median\":%.3f,\"pair_ratio_min\":%.3f,\"pair_ratio_max\":%.3f,"
                            + "\"jax_all\":%s,\"port_all\":%s}%n",
                    denoise ? "pretrain-decoder" : "finetune", img, batch, rounds, jax, port, median(pairs),
                    pairs.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                    pairs.stream().mapToDouble(Double::doubleValue).max().orElse(0), secs.get(0), secs.get(1));
            Nd4j.getMemoryManager().invokeGc();
        }
    }

    /** The median of {@code v} (the mean of the middle two for an even count); the bench classes share it. */
    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }
}
