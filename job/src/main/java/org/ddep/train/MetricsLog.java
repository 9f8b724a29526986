package org.ddep.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.ddep.data.HadoopFiles;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@code <stage>/metrics.jsonl}: one JSON line per averaging round. Object stores cannot append, so the
 * file is written whole: after the first round, then at most once a minute between checkpoints, before
 * every checkpoint (so it holds every line a resume keeps) and when the stage ends ({@link #flush}).
 * Written after every round, an ImageNet-21k decoder pretraining (554,700 rounds, a 119 MB file at the
 * end) would write 33 TB (docs/scaling.md). A failed or killed stage leaves up to a minute of rounds
 * unwritten, all past its last checkpoint: they run again on resume (the driver's log has every round).
 * On resume, lines past the checkpoint's round are dropped.
 */
public final class MetricsLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long WRITE_EVERY_NANOS = 60_000_000_000L;
    private final HadoopFiles files;
    private final String uri;
    private final List<String> lines = new ArrayList<>();
    private final LongSupplier clock;
    private long lastWrite;
    private boolean dirty;

    public MetricsLog(HadoopFiles files, String uri) {
        this(files, uri, System::nanoTime);
    }

    /** With {@code clock} (nanoseconds) deciding when a minute has passed. */
    MetricsLog(HadoopFiles files, String uri, LongSupplier clock) {
        this.files = files;
        this.uri = uri;
        this.clock = clock;
        this.lastWrite = clock.getAsLong() - WRITE_EVERY_NANOS;   // the first round is written at once
    }

    /**
     * Keeps, from an earlier attempt, the lines of the {@code epochsDone} finished epochs and of the
     * first {@code roundsDone} rounds of the next (what the checkpoint resumed from holds).
     */
    public void resume(int epochsDone, int roundsDone) throws IOException {
        lines.clear();
        dirty = true;
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

    /** Adds a round's line; writes the file if a minute has passed since the last write (or none was made). */
    public void add(Map<String, Object> record) throws IOException {
        lines.add(JSON.writeValueAsString(new LinkedHashMap<>(record)));
        dirty = true;
        if (clock.getAsLong() - lastWrite >= WRITE_EVERY_NANOS) {
            flush();
        }
    }

    /** Writes every line added so far, unless the file already holds them. */
    public void flush() throws IOException {
        if (!dirty) {
            return;
        }
        files.writeString(uri, lines.isEmpty() ? "" : String.join("\n", lines) + "\n");
        dirty = false;
        lastWrite = clock.getAsLong();
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
