package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The runtime of every {@link ConvLayer}: DL4J's SameDiff layer parameter handling, with forward
 * and backward passes of its own.
 * <ul>
 *   <li>The graph is defined again whenever the input's non-batch shape changes. DL4J defines a
 *   SameDiff layer once, for its first input; these layers are fully convolutional (224 in
 *   pretraining, 512 or 1024 crops in fine-tuning, any size in evaluation).</li>
 *   <li>Backpropagation differentiates {@code sum(output * epsilon)} with SameDiff's ordinary
 *   gradient function. DL4J's external-errors path returned all-zero gradients for the
 *   layer input in 1.0.0-M2, so the layers before a custom layer would never learn (caught by
 *   CustomLayerGradientTest); this runtime does not use that path.</li>
 *   <li>Convolution weights are [kh, kw, in, out] (YXIO): SameDiff's conv2d backward pass (1.0.0-M2)
 *   rejects OIYX weights.</li>
 *   <li>{@link #setParam} stores the value: DL4J's SameDiff runtime only checks its shape.</li>
 * </ul>
 */
final class ResizableSameDiffLayer extends SameDiffLayer {
    private static final String INPUT = "input";
    private static final String EPSILON = "epsilon";
    /**
     * A constant-1 trainable factor the input is multiplied by on entry. SameDiff (1.0.0-M2 and M2.1) returns no
     * gradient for a placeholder that feeds more than one op unless it falls out of a product with a
     * trainable variable, which this makes it do (and gives parameter-free layers a variable).
     */
    private static final String UNIT = "unit";

    private transient SameDiff graph;
    private transient String output;
    private long[] definedFor;

    ResizableSameDiffLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        SameDiffChatter.silence();
        ClosingSessions.install();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        try (ClosingSessions.Arena arena = ClosingSessions.arena()) {
            INDArray out;
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                defineFor(input);
                out = graph.output(Map.of(INPUT, input), output).get(output);
            }
            return workspaceMgr.dup(ArrayType.ACTIVATIONS, out);   // copied before the arena frees the run
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Gradient gradient = new DefaultGradient();
        try (ClosingSessions.Arena arena = ClosingSessions.arena()) {
            INDArray inputGradient;
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                defineFor(input);
                Map<String, INDArray> placeholders = new HashMap<>();
                placeholders.put(INPUT, input);
                placeholders.put(EPSILON, epsilon);
                List<String> wanted = new ArrayList<>();
                wanted.add(INPUT);
                wanted.add(UNIT);
                wanted.addAll(paramTable.keySet());
                Map<String, INDArray> grads = graph.calculateGradients(placeholders, wanted);
                for (String key : paramTable.keySet()) {
                    INDArray g = gradTable.get(key);
                    g.assign(grads.get(key));
                    gradient.gradientForVariable().put(key, g);
                }
                inputGradient = grads.get(INPUT);
                graph.clearPlaceholders(true);
                graph.clearOpInputs();
            }
            // copied before the arena frees the run
            return new Pair<>(gradient, workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, inputGradient));
        }
    }

    @Override
    public void setParam(String key, INDArray val) {
        INDArray current = paramTable().get(key);
        if (current == null) {
            throw new IllegalArgumentException("layer " + layerConf().getLayerName() + " has no parameter " + key
                    + "; it has " + paramTable().keySet());
        }
        if (!Arrays.equals(current.shape(), val.shape())) {
            throw new IllegalArgumentException("parameter " + layerConf().getLayerName() + "_" + key + " has shape "
                    + Arrays.toString(current.shape()) + ", cannot set " + Arrays.toString(val.shape()));
        }
        current.assign(val);
    }

    private void defineFor(INDArray in) {
        long[] shape = in.shape();
        long[] key = Arrays.copyOfRange(shape, 1, shape.length);
        if (graph != null && Arrays.equals(key, definedFor)) {
            return;
        }
        ConvLayer conf = (ConvLayer) layerConf();
        SameDiff sd = SameDiff.create();
        // Single-thread holders keep the parameter views themselves; the default holder copies views,
        // so updates and weight transfers would never reach the graph.
        sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        long[] inShape = shape.clone();
        inShape[0] = -1;
        SDVariable x = sd.placeHolder(INPUT, dataType, inShape).mul(sd.var(UNIT, Nd4j.scalar(dataType, 1.0)));
        Map<String, SDVariable> params = new LinkedHashMap<>();
        conf.getLayerParams().getParamShapes().forEach((name, s) -> params.put(name, sd.var(name, dataType, s)));
        SDVariable out = conf.defineFor(sd, x, params, inShape);
        SDVariable eps = sd.placeHolder(EPSILON, dataType, -1, -1, -1, -1);
        sd.setLossVariables(out.mul(eps).sum());
        Map<String, INDArray> table = paramTable();
        if (table != null) {
            table.forEach((name, arr) -> sd.associateArrayWithVariable(arr, sd.getVariable(name)));
        }
        graph = sd;
        output = out.name();
        definedFor = key;
    }
}
