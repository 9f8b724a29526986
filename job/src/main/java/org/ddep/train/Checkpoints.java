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
 * {@code <stage>/checkpoints/}: after every epoch (or at most one per {@code train.checkpoint-minutes} at
 * epoch ends, the last always) and every {@code train.checkpoint-rounds} rounds inside one, the model
 * with its updater state (Adam's moments) and its counters, then
 * {@code state.json} naming it. A stage resumes from the checkpoint that state.json names; a
 * checkpoint written half-way is never named. The newest two are kept.
 */
public final class Checkpoints {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HadoopFiles files;
    private final String dir;

    public Checkpoints(HadoopFiles files, String dir) {
        this.files = files;
        this.dir = dir;
    }

    /**
     * What a checkpoint holds besides the model: epochs finished, rounds finished of the next epoch,
     * and the driver's iteration count.
     */
    public record State(int epoch, int round, int iteration, String file) {
    }

    /** Saves after {@code epochsDone} epochs and {@code roundsDone} rounds of the next one. */
    public void save(ComputationGraph net, int epochsDone, int roundsDone) throws IOException {
        String name = roundsDone == 0 ? String.format("epoch-%04d.zip", epochsDone)
                : String.format("epoch-%04d-round-%06d.zip", epochsDone, roundsDone);
        Optional<String> previous = latestFile();
        ModelFiles.save(files, HadoopFiles.join(dir, name), net, true);
        // Ordered keys: the same checkpoint always writes the same bytes.
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("epoch", epochsDone);
        state.put("round", roundsDone);
        state.put("iteration", net.getIterationCount());
        state.put("file", name);
        previous.filter(p -> !p.equals(name)).ifPresent(p -> state.put("previous", p));
        String before = previous.isPresent() ? previousOf() : null;
        files.writeString(HadoopFiles.join(dir, "state.json"), JSON.writeValueAsString(state));
        if (before != null && !before.equals(name)) {
            files.delete(HadoopFiles.join(dir, before));
        }
    }

    private Optional<String> latestFile() throws IOException {
        return latest().map(State::file);
    }

    /** The checkpoint before the latest, which the next save makes the third newest. */
    private String previousOf() throws IOException {
        Object p = readState().get("previous");
        return p == null ? null : (String) p;
    }

    private Map<?, ?> readState() throws IOException {
        return JSON.readValue(files.readString(HadoopFiles.join(dir, "state.json")), Map.class);
    }

    public Optional<State> latest() throws IOException {
        String state = HadoopFiles.join(dir, "state.json");
        if (!files.exists(state)) {
            return Optional.empty();
        }
        Map<?, ?> m = readState();
        // Checkpoints written before rounds were recorded are all at an epoch's end.
        int round = m.get("round") == null ? 0 : ((Number) m.get("round")).intValue();
        return Optional.of(new State(((Number) m.get("epoch")).intValue(), round,
                ((Number) m.get("iteration")).intValue(), (String) m.get("file")));
    }

    public ComputationGraph load(State s) throws IOException {
        return ModelFiles.load(files, HadoopFiles.join(dir, s.file()), true);
    }

    public void clear() throws IOException {
        files.delete(dir);
    }
}
