package org.ddep.model.layers;

import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Learned position embeddings added to an NCHW token grid. The parameter {@code pos}
 * [1, C, gridH, gridW] is kept at the grid it was trained for (14x14 for 224 inputs at stride 16);
 * a different token grid gets it resized bilinearly (half-pixel centres), inside the graph, so
 * training at 512 or 1024 crops still updates the stored grid.
 */
public final class PositionEmbedding extends ConvLayer {
    @JsonProperty
    private int channels;
    @JsonProperty
    private int gridH;
    @JsonProperty
    private int gridW;

    @SuppressWarnings("unused") // JSON
    private PositionEmbedding() {
    }

    public PositionEmbedding(int channels, int gridH, int gridW) {
        this.channels = channels;
        this.gridH = gridH;
        this.gridW = gridW;
    }

    public int gridH() {
        return gridH;
    }

    public int gridW() {
        return gridW;
    }

    /** Resizes a [1, C, h, w] position grid to another token grid, the way the layer does for other input sizes. */
    public static INDArray resize(INDArray grid, int toH, int toW) {
        if (grid.size(2) == toH && grid.size(3) == toW) {
            return grid;
        }
        return Ops.resizeGrid(grid, toH, toW);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam("pos", 1, channels, gridH, gridW);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        normal(params.get("pos"), 0.02);
    }

    @Override
    protected SDVariable define(SameDiff sd, SDVariable x, Map<String, SDVariable> p, long c, long h, long w) {
        SDVariable pos = p.get("pos");
        if (h != gridH || w != gridW) {
            pos = Ops.resizeGrid(pos, channels, gridH, gridW, (int) h, (int) w);
        }
        return x.add(pos);
    }
}
