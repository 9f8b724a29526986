package org.ddep.stage;

import org.ddep.data.HadoopFiles;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** {@code <stage>/model.zip}: a stage's final model (DL4J ModelSerializer), on any Hadoop file system. */
final class Models {
    static final String FILE = "model.zip";

    private Models() {
    }

    static void save(HadoopFiles files, String stageDir, ComputationGraph net) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, out, false);
        files.writeBytes(HadoopFiles.join(stageDir, FILE), out.toByteArray());
    }

    static ComputationGraph load(HadoopFiles files, String stageDir, String neededBy) throws IOException {
        String uri = HadoopFiles.join(stageDir, FILE);
        if (!files.exists(uri)) {
            throw new IOException(neededBy + " needs " + uri + ": run the stage that writes it first");
        }
        try (InputStream in = files.open(uri)) {
            return ModelSerializer.restoreComputationGraph(in, false);
        }
    }
}
