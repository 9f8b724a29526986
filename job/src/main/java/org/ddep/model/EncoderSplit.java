package org.ddep.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model cut where its encoder hands over to the decoder, for the stage that trains the decoder with
 * the encoder frozen (PAPER.md "Denoising objective"). The frozen encoder becomes an inference-only
 * graph whose outputs are the <em>features</em>: every encoder vertex a decoder or head vertex reads
 * (TransUNet: the final LayerNorm and the skips at 1/2, 1/4 and 1/8; the UNet: each level's output).
 * The trainable part becomes a graph whose inputs carry those vertices' names, so its layers, their
 * parameter names and the gradient they receive are the ones of the whole model.
 * <p>
 * Why: in one graph with frozen layers DL4J still runs the encoder in its training forward pass and
 * keeps every encoder activation until the backward pass ends, though no gradient flows into it. Run
 * as inference, the encoder frees each activation as soon as its last reader has run, and a step
 * keeps only the features. Parameter averaging then moves only the decoder and head.
 */
public final class EncoderSplit {
    private static final String OUTPUT = "_feature";
    private final ComputationGraphConfiguration whole;
    private final List<String> features;

    /** The split of models built from {@code whole}, the full (unfrozen) configuration. */
    public EncoderSplit(ComputationGraphConfiguration whole) {
        this.whole = whole.clone();
        this.features = featureVertices(whole);
    }

    /** The encoder vertices the rest of the model reads, in the whole model's topological order. */
    public List<String> features() {
        return features;
    }

    /** An inference graph of the encoder alone, with the whole model's encoder parameters (copied). */
    public ComputationGraph encoder(ComputationGraph wholeModel) {
        ComputationGraphConfiguration c = whole.clone();
        Set<String> keep = ancestors(c, features);
        c.getVertices().keySet().retainAll(keep);
        c.getVertexInputs().keySet().retainAll(keep);
        // Each feature leaves through an identity vertex of its own: DL4J's inference pass mishandles
        // requested outputs that other vertices also read (two of them leave a null workspace manager).
        List<String> outputs = new ArrayList<>();
        for (String f : features) {
            c.getVertices().put(f + OUTPUT, new ScaleVertex(1.0));
            c.getVertexInputs().put(f + OUTPUT, new ArrayList<>(List.of(f)));   // mutable: Kryo fills it
            outputs.add(f + OUTPUT);
        }
        c.setNetworkOutputs(outputs);
        resetOrder(c);
        ComputationGraph net = new ComputationGraph(c);
        net.init();
        Weights.copyByPrefix(wholeModel, net, Parts.ENCODER);
        return net;
    }

    /** The trainable rest (decoder and head) as its own graph, with the whole model's parameters (copied). */
    public ComputationGraph decoder(ComputationGraph wholeModel) {
        ComputationGraphConfiguration c = whole.clone();
        Set<String> encoder = ancestors(c, features);
        c.getVertices().keySet().removeAll(encoder);
        c.getVertexInputs().keySet().removeAll(encoder);
        c.setNetworkInputs(new ArrayList<>(features));
        resetOrder(c);
        inputsLate(c);
        ComputationGraph net = new ComputationGraph(c);
        net.init();
        copyTrainable(wholeModel, net);
        return net;
    }

    /** The whole model again: the encoder's parameters from {@code encoder}, the rest from {@code decoder}. */
    public ComputationGraph join(ComputationGraph encoder, ComputationGraph decoder) {
        ComputationGraph net = new ComputationGraph(whole.clone());
        net.init();
        Weights.copyByPrefix(encoder, net, Parts.ENCODER);
        copyTrainable(decoder, net);
        net.getConfiguration().setIterationCount(decoder.getIterationCount());
        net.getConfiguration().setEpochCount(decoder.getEpochCount());
        return net;
    }

    /**
     * The decoder's minibatch for an image minibatch: the encoder's features (inference mode, detached
     * arrays) as inputs, the labels unchanged. The image arrays are freed unless a workspace owns them.
     */
    public static MultiDataSet features(ComputationGraph encoder, MultiDataSet images) {
        INDArray[] f = encoder.output(false, images.getFeatures());
        MultiDataSet out = new org.nd4j.linalg.dataset.MultiDataSet(f, images.getLabels(), null,
                images.getLabelsMaskArrays());
        for (INDArray a : images.getFeatures()) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
        return out;
    }

    private static void copyTrainable(ComputationGraph from, ComputationGraph to) {
        Map<String, INDArray> target = to.paramTable();
        for (Map.Entry<String, INDArray> e : from.paramTable().entrySet()) {
            if (!e.getKey().startsWith(Parts.ENCODER) && target.containsKey(e.getKey())) {
                to.setParam(e.getKey(), e.getValue().dup());
            }
        }
    }

    private static List<String> featureVertices(ComputationGraphConfiguration c) {
        Set<String> out = new LinkedHashSet<>();
        for (String v : c.getVertices().keySet()) {
            if (v.startsWith(Parts.ENCODER) || c.getNetworkInputs().contains(v)) {
                continue;
            }
            for (String in : c.getVertexInputs().getOrDefault(v, List.of())) {
                if (c.getNetworkInputs().contains(in)) {
                    throw new IllegalArgumentException("vertex " + v + " reads the network input " + in
                            + " directly: the model cannot be split at its encoder");
                }
                if (in.startsWith(Parts.ENCODER)) {
                    out.add(in);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no decoder vertex reads an encoder vertex (prefix " + Parts.ENCODER + ")");
        }
        // A stable order: the whole model's topological order.
        List<String> order = new ArrayList<>();
        for (String v : topological(c)) {
            if (out.contains(v)) {
                order.add(v);
            }
        }
        return List.copyOf(order);
    }

    /** {@code targets} and every vertex they depend on (network inputs excluded). */
    private static Set<String> ancestors(ComputationGraphConfiguration c, List<String> targets) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(targets);
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (c.getNetworkInputs().contains(v) || !seen.add(v)) {
                continue;
            }
            todo.addAll(c.getVertexInputs().getOrDefault(v, List.of()));
        }
        return seen;
    }

    private static List<String> topological(ComputationGraphConfiguration c) {
        var indices = new ComputationGraph(c.clone()).calculateIndices();
        List<String> names = new ArrayList<>();
        for (int i : indices.getTopologicalSortOrder()) {
            names.add(indices.getIdxToName().get(i));
        }
        return names;
    }

    /**
     * Orders each network input just before its first reader. DL4J frees the activation gradients a
     * vertex sends to its inputs only after the backward pass has reached the earliest of those inputs,
     * and lists network inputs first: a concatenation with a skip feature would keep its gradients, the
     * size of its whole output, until the step ends. Only inputs move, so the layers' order (and with it
     * the order of parameters and updater state) is unchanged.
     */
    private static void inputsLate(ComputationGraphConfiguration c) {
        var indices = new ComputationGraph(c.clone()).calculateIndices();
        Set<String> inputs = new HashSet<>(c.getNetworkInputs());
        Set<String> placed = new HashSet<>();
        List<String> order = new ArrayList<>();
        for (int i : indices.getTopologicalSortOrder()) {
            String v = indices.getIdxToName().get(i);
            if (inputs.contains(v)) {
                continue;
            }
            for (String in : c.getVertexInputs().getOrDefault(v, List.of())) {
                if (inputs.contains(in) && placed.add(in)) {
                    order.add(in);
                }
            }
            order.add(v);
        }
        for (String in : c.getNetworkInputs()) {
            if (placed.add(in)) {
                order.add(in);  // read by no vertex
            }
        }
        c.setTopologicalOrderStr(order);
        c.setTopologicalOrder(order.stream().mapToInt(indices.getNameToIdx()::get).toArray());
    }

    private static void resetOrder(ComputationGraphConfiguration c) {
        c.setTopologicalOrder(null);
        c.setTopologicalOrderStr(null);
    }
}
