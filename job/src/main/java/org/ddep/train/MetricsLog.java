package org.ddep.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.ddep.data.HadoopFiles;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code <stage>/metrics.jsonl}: one JSON line per averaging round. Rewritten whole on each round,
 * since object stores cannot append; on resume, lines past the checkpoint's round are dropped.
 */
public final class MetricsLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HadoopFiles files;
    private final String uri;
    private final List<String> lines = new ArrayList<>();

    public MetricsLog(HadoopFiles files, String uri) {
        this.files = files;
        this.uri = uri;
    }

    /**
     * Keeps, from an earlier attempt, the lines of the {@code epochsDone} finished epochs and of the
     * first {@code roundsDone} rounds of the next (what the checkpoint resumed from holds).
     */
    public void resume(int epochsDone, int roundsDone) throws IOException {
        lines.clear();
        if (!files.exists(uri)) {
            return;
        }
        for (String line : files.readString(uri).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            Map<?, ?> m = JSON.readValue(line, Map.class);
            int epoch = ((Number) m.get("epoch")).intValue();
            if (epoch <= epochsDone || epoch == epochsDone + 1 && ((Number) m.get("round")).intValue() <= roundsDone) {
                lines.add(line);
            }
        }
    }

    public void add(Map<String, Object> record) throws IOException {
        lines.add(JSON.writeValueAsString(new LinkedHashMap<>(record)));
        files.writeString(uri, String.join("\n", lines) + "\n");
    }

    public static List<Map<String, Object>> read(HadoopFiles files, String uri) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!files.exists(uri)) {
            return out;
        }
        for (String line : files.readString(uri).split("\n")) {
            if (!line.isBlank()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = JSON.readValue(line, Map.class);
                out.add(m);
            }
        }
        return out;
    }
}
