package org.ddep.stage;

import org.ddep.data.HadoopFiles;
import org.ddep.model.ModelFiles;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.io.IOException;

/** {@code <stage>/model.zip}: a stage's final model, which later stages start from. */
final class Models {
    static final String FILE = "model.zip";

    private Models() {
    }

    static void save(HadoopFiles files, String stageDir, ComputationGraph net) throws IOException {
        ModelFiles.save(files, HadoopFiles.join(stageDir, FILE), net, false);
    }

    static ComputationGraph load(HadoopFiles files, String stageDir, String neededBy) throws IOException {
        String uri = HadoopFiles.join(stageDir, FILE);
        if (!files.exists(uri)) {
            throw new IOException(neededBy + " needs " + uri + ": run the stage that writes it first");
        }
        return ModelFiles.load(files, uri, false);
    }
}
