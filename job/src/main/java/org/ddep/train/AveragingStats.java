package org.ddep.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.ddep.data.HadoopFiles;
import org.deeplearning4j.spark.api.stats.SparkTrainingStats;
import org.deeplearning4j.spark.stats.EventStats;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code <stage>/averaging-stats.json} ({@code train.collect-stats}): DL4J's own timing of parameter
 * averaging, each event kind's count and total milliseconds, on the driver (broadcast, aggregation,
 * whole rounds) and summed over workers (broadcast fetch, model set-up, fitting).
 */
public final class AveragingStats {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AveragingStats() {
    }

    public static Map<String, Map<String, Long>> totals(SparkTrainingStats stats) {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        for (SparkTrainingStats s = stats; s != null; s = s.getNestedTrainingStats()) {
            for (String key : s.getKeySet()) {
                long ms = 0;
                long n = 0;
                for (EventStats e : s.getValue(key) == null ? java.util.List.<EventStats>of() : s.getValue(key)) {
                    ms += e.getDurationMs();
                    n++;
                }
                out.put(key, Map.of("count", n, "total_ms", ms));
            }
        }
        return out;
    }

    static void write(HadoopFiles files, String uri, SparkTrainingStats stats) throws IOException {
        files.writeString(uri, JSON.writeValueAsString(totals(stats)));
    }
}
