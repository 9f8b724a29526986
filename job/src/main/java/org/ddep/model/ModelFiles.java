package org.ddep.model;

import org.ddep.data.HadoopFiles;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

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
        try (InputStream in = files.open(uri)) {
            return ModelSerializer.restoreComputationGraph(in, withUpdater);
        }
    }
}
