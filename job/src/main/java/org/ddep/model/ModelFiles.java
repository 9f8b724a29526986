package org.ddep.model;

import org.ddep.data.HadoopFiles;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * Models as DL4J ModelSerializer zips, in memory (for broadcasts) or on any Hadoop file system
 * (checkpoints and final models). Custom layers and schedules restore with them.
 */
public final class ModelFiles {
    private ModelFiles() {
    }

    public static byte[] toBytes(ComputationGraph net, boolean withUpdater) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, out, withUpdater);
        return out.toByteArray();
    }

    public static ComputationGraph fromBytes(byte[] bytes, boolean withUpdater) throws IOException {
        return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), withUpdater);
    }

    public static void save(HadoopFiles files, String uri, ComputationGraph net, boolean withUpdater) throws IOException {
        files.writeBytes(uri, toBytes(net, withUpdater));
    }

    public static ComputationGraph load(HadoopFiles files, String uri, boolean withUpdater) throws IOException {
        ComputationGraph net;
        try (InputStream in = files.open(uri)) {
            net = ModelSerializer.restoreComputationGraph(in, withUpdater);
        }
        refuseLinearBatchNorm(net.getConfiguration(), uri);
        return net;
    }

    /**
     * Refuses a model written before its ReLUs were layers of their own: it set ReLU on DL4J's
     * BatchNormalization, which DL4J ignores, so such a model is linear between its pooling layers, and
     * training on from it would carry that on silently.
     */
    static void refuseLinearBatchNorm(ComputationGraphConfiguration conf, String uri) {
        for (Map.Entry<String, GraphVertex> v : conf.getVertices().entrySet()) {
            if (v.getValue() instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BatchNormalization bn
                    && bn.getActivationFn() != null && !(bn.getActivationFn() instanceof ActivationIdentity)) {
                throw new IllegalStateException(uri + ": layer " + v.getKey() + " is a BatchNormalization with activation "
                        + bn.getActivationFn() + ", which DL4J never applies: this model was written by a ddep without "
                        + "ReLU layers after its BatchNorms (a network linear between its pooling layers). Train the "
                        + "stage that wrote it again (delete its folder in the run directory).");
            }
        }
    }
}
