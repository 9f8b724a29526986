package org.ddep.model;

import org.ddep.config.ModelSpec;
import org.ddep.config.TransUnetSpec;
import org.ddep.data.Augment;
import org.ddep.data.Examples;
import org.ddep.prep.ShardSchema;
import org.ddep.testing.ViTCheckpoints;
import org.ddep.train.CosineDecay;
import org.deeplearning4j.config.DL4JSystemProperties;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/gpu.md lists every native op a TransUNet training step runs, with the layer that runs it and
 * the CUDA implementation ND4J 1.0.0-M2.1 has for it. This records the ops of real steps (ND4J's op
 * profiler counts every op the executioner runs) and holds the table to them, so the document stays
 * true when a layer changes. DL4J's layer helpers are off while recording, as on a GPU executor: the
 * cuDNN helpers (deeplearning4j-cuda) were not published for 1.0.0-M2.1, so DL4J's layers take their
 * built-in path there.
 */
class GpuOpListTest {
    private static final Path DOC = Path.of(System.getProperty("ddep.sources", "."), "docs", "gpu.md");
    /** A table row: op in backticks, its kind, the layers using it, ... */
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\|[^|]*\\|([^|]*)\\|");
    private static final Pattern COUNT = Pattern.compile("^(\\S+)\\s+>>> \\[(\\d+)]");
    private static final int CLASSES = 3;
    private static final int SIDE = 32;
    /** What the table names for ops a step runs outside every layer's own passes (updater, set-up). */
    private static final String FIT = "ComputationGraph.fit";

    @ParameterizedTest(name = "resnet-norm {0}, convention {1}")
    @CsvSource({"group, jax", "batch, jax", "group, transunet-pytorch"})
    void everyOpOfATrainingStepIsInTheGpuTableUnderTheLayerThatRunsIt(String norm, String convention) throws IOException {
        Map<String, String> table = table();
        ModelSpec spec = ModelSpec.transunet(1, new TransUnetSpec(ViTCheckpoints.TINY.resnetUnits(),
                ViTCheckpoints.TINY.resnetWidth(), ViTCheckpoints.TINY.hidden(), ViTCheckpoints.TINY.layers(),
                ViTCheckpoints.TINY.heads(), ViTCheckpoints.TINY.mlp(), ViTCheckpoints.TINY.positionGrid(), norm,
                convention));
        String previous = System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, "true");
        try {
            Nd4j.getRandom().setSeed(11);
            ComputationGraph segment = ModelFactory.create(spec, Head.segment(CLASSES), new CosineDecay(1e-3, 10), 1);
            ComputationGraph denoise = Weights.freezeUpTo(
                    ModelFactory.create(spec, Head.denoise(), new CosineDecay(1e-3, 10), 2), ModelFactory.encoderBoundary(spec));
            MultiDataSet labelled = segmentationBatch();
            MultiDataSet noisy = new org.nd4j.linalg.dataset.MultiDataSet(Nd4j.rand(DataType.FLOAT, 2, 3, SIDE, SIDE),
                    Nd4j.randn(DataType.FLOAT, 2, 3, SIDE, SIDE));

            Map<String, String> step = new TreeMap<>(record(() -> segment.fit(labelled)));
            step.putAll(record(() -> denoise.fit(noisy)));
            assertTrue(step.containsKey("adam_updater") && step.containsKey("matmul"), "the profiler recorded " + step.keySet());
            List<String> missing = new ArrayList<>();
            step.forEach((op, what) -> {
                if (!table.containsKey(op)) {
                    missing.add(op + " (" + what + ")");
                }
            });
            assertTrue(missing.isEmpty(), "ops of a training step missing from docs/gpu.md: " + missing);

            Map<String, Map<String, String>> byLayer = perLayer(segment, labelled);
            perLayer(denoise, noisy).forEach((layer, ops) -> byLayer.computeIfAbsent(layer, k -> new TreeMap<>()).putAll(ops));
            Map<String, String> outsideLayers = new TreeMap<>(step);
            byLayer.values().forEach(ops -> outsideLayers.keySet().removeAll(ops.keySet()));
            byLayer.put(FIT, outsideLayers);
            List<String> unattributed = new ArrayList<>();
            byLayer.forEach((layer, ops) -> ops.forEach((op, what) -> {
                if (!table.getOrDefault(op, "").contains(layer)) {
                    unattributed.add(op + " (" + what + ") by " + layer);
                }
            }));
            assertTrue(unattributed.isEmpty(), "docs/gpu.md does not name the layer running: " + unattributed);
        } finally {
            if (previous == null) {
                System.clearProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY);
            } else {
                System.setProperty(DL4JSystemProperties.DISABLE_HELPER_PROPERTY, previous);
            }
        }
    }

    /** Op name to the "used by" cell of its row. */
    private static Map<String, String> table() throws IOException {
        Map<String, String> rows = new TreeMap<>();
        for (String line : Files.readAllLines(DOC)) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                rows.put(m.group(1), m.group(2));
            }
        }
        assertTrue(rows.size() > 10, DOC + " has no op table");
        return rows;
    }

    /** Two 32x32 images with masks holding ignore pixels, as the fine-tuning stage builds them. */
    private static MultiDataSet segmentationBatch() {
        SplittableRandom rnd = new SplittableRandom(5);
        List<MultiDataSet> examples = new ArrayList<>();
        for (int n = 0; n < 2; n++) {
            float[] image = new float[3 * SIDE * SIDE];
            for (int i = 0; i < image.length; i++) {
                image[i] = (float) rnd.nextDouble(-1, 1);
            }
            int[] mask = new int[SIDE * SIDE];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = i % 7 == 0 ? ShardSchema.IGNORE : rnd.nextInt(CLASSES);
            }
            examples.add(Examples.segmentation(new Augment.Sample(image, SIDE, SIDE, mask), CLASSES).toMultiDataSet());
        }
        return org.nd4j.linalg.dataset.MultiDataSet.merge(examples);
    }

    /**
     * The ops every vertex of {@code net} runs in a forward and a backward pass of its own, by the
     * class of its layer (or vertex), on the activations of a training forward pass of {@code batch}.
     */
    private static Map<String, Map<String, String>> perLayer(ComputationGraph net, MultiDataSet batch) {
        Map<String, INDArray> acts = net.feedForward(batch.getFeatures(), true, false);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        Map<String, Map<String, String>> byLayer = new TreeMap<>();
        for (int index : net.topologicalSortOrder()) {
            GraphVertex v = net.getVertices()[index];
            if (v.isInputVertex()) {
                continue;
            }
            VertexIndices[] from = v.getInputVertices();
            INDArray[] in = new INDArray[from.length];
            for (int i = 0; i < from.length; i++) {
                in[i] = acts.get(net.getVertices()[from[i].getVertexIndex()].getVertexName()).dup();
            }
            Map<String, String> ops;
            if (v.hasLayer() && v.getLayer() instanceof IOutputLayer out) {
                ops = record(() -> {
                    out.setInput(in[0], mgr);
                    out.setLabels(batch.getLabels(0));
                    out.setMaskArray(batch.getLabelsMaskArray(0));
                    out.computeScore(0, true, mgr);
                    out.backpropGradient(null, mgr);
                });
            } else {
                INDArray[] y = new INDArray[1];
                ops = record(() -> {
                    v.setInputs(in);
                    y[0] = v.doForward(true, mgr);
                });
                INDArray epsilon = Nd4j.rand(y[0].dataType(), y[0].shape());
                ops.putAll(record(() -> {
                    v.setEpsilon(epsilon);
                    v.doBackward(false, mgr);
                }));
            }
            byLayer.computeIfAbsent(kind(v), k -> new TreeMap<>()).putAll(ops);
        }
        return byLayer;
    }

    private static String kind(GraphVertex v) {
        if (!v.hasLayer()) {
            return v.getClass().getSimpleName();
        }
        org.deeplearning4j.nn.conf.layers.Layer conf = v.getLayer().conf().getLayer();
        if (conf instanceof FrozenLayer frozen) {
            conf = frozen.getLayer();
        }
        return conf.getClass().getSimpleName();
    }

    /**
     * The native ops {@code r} runs, by name, each with what ND4J's Java side calls it (its op class,
     * and the legacy op number for legacy ops, which picks the libnd4j functor).
     */
    private static Map<String, String> record(Runnable r) {
        OpProfiler profiler = OpProfiler.getInstance();
        ProfilerConfig before = profiler.getConfig();
        Map<String, String> legacy = new TreeMap<>();
        profiler.reset();
        profiler.addListener(op -> legacy.putIfAbsent(op.opName(), op.getClass().getSimpleName() + " #" + op.opNum()));
        Nd4j.getExecutioner().setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(true).checkWorkspaces(false).build());
        try {
            r.run();
        } finally {
            Nd4j.getExecutioner().setProfilingConfig(before);
        }
        Map<String, String> ops = new TreeMap<>();
        for (String line : profiler.getOpCounter().asString().split("\n")) {
            Matcher m = COUNT.matcher(line);
            if (m.find() && Long.parseLong(m.group(2)) > 0) {
                ops.put(m.group(1), legacy.getOrDefault(m.group(1), CustomOp.class.getSimpleName()));
            }
        }
        profiler.reset();
        return ops;
    }
}
