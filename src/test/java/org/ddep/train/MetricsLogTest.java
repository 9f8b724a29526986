package org.ddep.train;

import org.apache.hadoop.conf.Configuration;
import org.ddep.data.HadoopFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** metrics.jsonl is written after the first round, then at most once a minute and on flush. */
class MetricsLogTest {
    private static final long SECOND = 1_000_000_000L;

    private static Map<String, Object> round(int epoch, int round) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", epoch);
        m.put("round", round);
        m.put("loss", 1.0 / round);
        return m;
    }

    private static long lines(Path file) throws Exception {
        return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).count() : -1;
    }

    @Test
    void writesTheFirstRoundThenAtMostOnceAMinuteAndEverythingOnFlush(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        AtomicLong now = new AtomicLong(5 * SECOND);
        MetricsLog log = new MetricsLog(new HadoopFiles(new Configuration()), file.toUri().toString(), now::get);
        log.resume(0, 0);
        log.add(round(1, 1));
        assertEquals(1, lines(file), "the first round is written at once");
        for (int r = 2; r <= 30; r++) {
            now.addAndGet(2 * SECOND);   // 58 s after the first write at round 30
            log.add(round(1, r));
        }
        assertEquals(1, lines(file), "nothing more inside the minute");
        now.addAndGet(2 * SECOND);
        log.add(round(1, 31));
        assertEquals(31, lines(file), "a minute after the last write: every line so far");
        log.add(round(1, 32));
        assertEquals(31, lines(file));
        log.flush();
        assertEquals(32, lines(file), "a flush (before a checkpoint, at the end) writes the rest");
        assertEquals(List.of(1, 32), List.of(MetricsLog.read(new HadoopFiles(new Configuration()), file.toUri().toString())
                .get(0).get("round"), MetricsLog.read(new HadoopFiles(new Configuration()), file.toUri().toString())
                .get(31).get("round")));
    }

    @Test
    void aResumeKeepsTheLinesUpToItsCheckpointAndWritesThemWithTheNextRound(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        HadoopFiles files = new HadoopFiles(new Configuration());
        MetricsLog first = new MetricsLog(files, file.toUri().toString(), () -> 0L);
        first.resume(0, 0);
        for (int e = 1; e <= 2; e++) {
            for (int r = 1; r <= 3; r++) {
                first.add(round(e, r));
            }
        }
        first.flush();
        assertEquals(6, lines(file));
        // resumed from epoch 1 + 1 round: epoch 2's rounds 2 and 3 are dropped and run again
        MetricsLog again = new MetricsLog(files, file.toUri().toString(), () -> 0L);
        again.resume(1, 1);
        again.add(round(2, 2));
        again.flush();
        List<Map<String, Object>> back = MetricsLog.read(files, file.toUri().toString());
        assertEquals(5, back.size());
        assertEquals(List.of(2, 2), List.of(back.get(4).get("epoch"), back.get(4).get("round")));

        // resumed from its last epoch's checkpoint, no round runs: the end of the stage writes the kept lines
        MetricsLog none = new MetricsLog(files, file.toUri().toString(), () -> 0L);
        none.resume(1, 0);
        none.flush();
        assertEquals(3, lines(file));
    }
}
