package org.ddep.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Moves weights between models by part (vertex-name prefix), and freezes parts. */
public final class Weights {
    private Weights() {
    }

    /**
     * Copies every parameter of {@code from} whose layer name starts with one of {@code prefixes}
     * into the same-named parameter of {@code to}. A missing or mis-shaped target fails with its name.
     *
     * @return how many parameter arrays were copied
     */
    public static int copyByPrefix(ComputationGraph from, ComputationGraph to, String... prefixes) {
        Map<String, INDArray> target = to.paramTable();
        int copied = 0;
        for (Map.Entry<String, INDArray> e : from.paramTable().entrySet()) {
            String key = e.getKey();
            if (Arrays.stream(prefixes).noneMatch(key::startsWith)) {
                continue;
            }
            INDArray dst = target.get(key);
            if (dst == null) {
                throw new IllegalArgumentException("parameter " + key + " has no counterpart in the target model");
            }
            if (!Arrays.equals(dst.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("parameter " + key + " has shape " + Arrays.toString(e.getValue().shape())
                        + " but the target expects " + Arrays.toString(dst.shape()));
            }
            to.setParam(key, e.getValue().dup());
            copied++;
        }
        if (copied == 0) {
            throw new IllegalArgumentException("no parameters with prefixes " + Arrays.toString(prefixes) + " to copy");
        }
        return copied;
    }

    /** Copies of the parameters of one part, keyed by name (to compare before and after training). */
    public static Map<String, INDArray> snapshot(ComputationGraph net, String prefix) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        net.paramTable().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k, v.dup());
            }
        });
        return out;
    }

    /**
     * A copy of {@code net} in which {@code boundary} and every vertex before it are frozen (FrozenLayer),
     * with {@code net}'s iteration and epoch counters (DL4J's builder would start them at 0).
     */
    public static ComputationGraph freezeUpTo(ComputationGraph net, String boundary) {
        ComputationGraph frozen = new TransferLearning.GraphBuilder(net).setFeatureExtractor(boundary).build();
        frozen.getConfiguration().setIterationCount(net.getIterationCount());
        frozen.getConfiguration().setEpochCount(net.getEpochCount());
        return frozen;
    }

    /** Whether every layer of one part is frozen. */
    public static boolean isFrozen(ComputationGraph net, String prefix) {
        for (Layer l : net.getLayers()) {
            if (l.conf().getLayer().getLayerName().startsWith(prefix)
                    && !(l instanceof org.deeplearning4j.nn.layers.FrozenLayer)) {
                return false;
            }
        }
        return true;
    }
}
