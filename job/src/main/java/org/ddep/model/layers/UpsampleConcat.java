package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A decoder block's entry with a skip: {@link Upsample2x} of the first input concatenated along
 * channels with the second, {@code concat(up(x), skip)}. The same function as an Upsample2x layer
 * followed by a MergeVertex, as one vertex so that DL4J keeps only the concatenation for the backward
 * pass and not the upsampled copy as well: neither step's gradient needs its input or output values.
 */
public final class UpsampleConcat extends GraphVertex {

    public UpsampleConcat() {
    }

    @Override
    public UpsampleConcat clone() {
        return new UpsampleConcat();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UpsampleConcat;
    }

    @Override
    public int hashCode() {
        return UpsampleConcat.class.hashCode();
    }

    @Override
    public long numParams(boolean backprop) {
        return 0;
    }

    @Override
    public int minVertexInputs() {
        return 2;
    }

    @Override
    public int maxVertexInputs() {
        return 2;
    }

    @Override
    public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
                                                                      INDArray paramsView, boolean initializeParams,
                                                                      DataType networkDatatype) {
        return new UpsampleConcatVertex(graph, name, idx, networkDatatype);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... in) {
        if (in.length != 2 || !(in[0] instanceof InputType.InputTypeConvolutional x)
                || !(in[1] instanceof InputType.InputTypeConvolutional skip)) {
            throw new IllegalArgumentException("UpsampleConcat needs two convolutional inputs (x, skip), got "
                    + java.util.Arrays.toString(in));
        }
        if (skip.getHeight() != 2 * x.getHeight() || skip.getWidth() != 2 * x.getWidth()) {
            throw new IllegalArgumentException("UpsampleConcat: the skip must be twice the size of x, got x "
                    + x.getHeight() + "x" + x.getWidth() + " and skip " + skip.getHeight() + "x" + skip.getWidth());
        }
        return InputType.convolutional(skip.getHeight(), skip.getWidth(), x.getChannels() + skip.getChannels());
    }

    @Override
    public MemoryReport getMemoryReport(InputType... in) {
        return new LayerMemoryReport.Builder(null, UpsampleConcat.class, in[0], getOutputType(-1, in))
                .standardMemory(0, 0)
                // one input-sized array, in both passes
                .workingMemory(0, in[0].arrayElementsPerExample(), 0, in[0].arrayElementsPerExample())
                .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
                .build();
    }
}
