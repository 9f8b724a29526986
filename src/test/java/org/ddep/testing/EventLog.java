package org.ddep.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A Spark application's event log (JSON lines, {@code spark.eventLog.enabled}), read back for assertions and timings. */
public record EventLog(List<JsonNode> events) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every finished application log in {@code dir}, in name order. */
    public static List<EventLog> readAll(Path dir) throws IOException {
        List<EventLog> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> !p.getFileName().toString().endsWith(".inprogress")).sorted().toList()) {
                List<JsonNode> events = new ArrayList<>();
                for (String line : Files.readAllLines(f)) {
                    if (!line.isBlank()) {
                        events.add(JSON.readTree(line));
                    }
                }
                out.add(new EventLog(events));
            }
        }
        return out;
    }

    public Stream<JsonNode> of(String event) {
        return events.stream().filter(e -> event.equals(e.path("Event").asText()));
    }

    /** Ids of the executors that ran tasks of stages whose name contains {@code stageName}. */
    public List<String> executorsOfStages(String stageName) {
        List<Integer> stages = of("SparkListenerStageCompleted").map(e -> e.path("Stage Info"))
                .filter(s -> s.path("Stage Name").asText().contains(stageName)).map(s -> s.path("Stage ID").asInt()).toList();
        return of("SparkListenerTaskEnd").filter(e -> stages.contains(e.path("Stage ID").asInt()))
                .map(e -> e.path("Task Info").path("Executor ID").asText()).distinct().sorted().toList();
    }

    /** Tasks that ended with the given reason, e.g. {@code ExecutorLostFailure}. */
    public long tasksEndedWith(String reason) {
        return of("SparkListenerTaskEnd").filter(e -> reason.equals(e.path("Task End Reason").path("Reason").asText())).count();
    }

    /** Milliseconds spent in completed stages whose name contains {@code stageName}. */
    public long stageMillis(String stageName) {
        return of("SparkListenerStageCompleted").map(e -> e.path("Stage Info"))
                .filter(s -> s.path("Stage Name").asText().contains(stageName))
                .mapToLong(s -> s.path("Completion Time").asLong() - s.path("Submission Time").asLong()).sum();
    }
}
