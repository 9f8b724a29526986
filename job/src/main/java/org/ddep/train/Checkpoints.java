package org.ddep.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.ddep.data.HadoopFiles;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.ddep.model.ModelFiles;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code <stage>/checkpoints/}: after every epoch the model with its updater state (Adam's moments)
 * and its counters, then {@code state.json} naming it. A stage resumes from the checkpoint that
 * state.json names; a checkpoint written half-way is never named.
 */
public final class Checkpoints {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEEP = 2;
    private final HadoopFiles files;
    private final String dir;

    public Checkpoints(HadoopFiles files, String dir) {
        this.files = files;
        this.dir = dir;
    }

    /** What a checkpoint holds besides the model: epochs finished and the driver's iteration count. */
    public record State(int epoch, int iteration, String file) {
    }

    public void save(ComputationGraph net, int epochsDone) throws IOException {
        String name = String.format("epoch-%04d.zip", epochsDone);
        ModelFiles.save(files, HadoopFiles.join(dir, name), net, true);
        // Ordered keys: the same checkpoint always writes the same bytes.
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("epoch", epochsDone);
        state.put("iteration", net.getIterationCount());
        state.put("file", name);
        files.writeString(HadoopFiles.join(dir, "state.json"), JSON.writeValueAsString(state));
        files.delete(HadoopFiles.join(dir, String.format("epoch-%04d.zip", epochsDone - KEEP)));
    }

    public Optional<State> latest() throws IOException {
        String state = HadoopFiles.join(dir, "state.json");
        if (!files.exists(state)) {
            return Optional.empty();
        }
        Map<?, ?> m = JSON.readValue(files.readString(state), Map.class);
        return Optional.of(new State(((Number) m.get("epoch")).intValue(), ((Number) m.get("iteration")).intValue(),
                (String) m.get("file")));
    }

    public ComputationGraph load(State s) throws IOException {
        return ModelFiles.load(files, HadoopFiles.join(dir, s.file()), true);
    }

    public void clear() throws IOException {
        files.delete(dir);
    }
}
